// Configurations: the list, and the chosen one with its type's questions and their answers (which a
// member whose role may edit configurations can change).
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { query, restApi } from '../api.js';
import { Empty, ErrorMessage, Field, Loading, PageHeader, Success, Table } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';
import { useCan } from '../session.js';
import type { Configuration } from './cw.js';

export function Configurations({ selected }: { selected: string | undefined }) {
  const { t } = useTranslation();
  const list = useLoad(
    () => restApi.get<Configuration[]>(`/company/configurations${query({ pageSize: 200, orderBy: 'name' })}`),
    [],
  );
  return (
    <>
      <PageHeader title={t('configurations.title')} />
      <ErrorMessage error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data?.length === 0 && <Empty text={t('configurations.none')} />}
      <div className="split">
        {list.data && list.data.length > 0 && (
          <Table caption={t('configurations.title')}>
            <thead>
              <tr>
                <th scope="col">{t('configurations.name')}</th>
                <th scope="col">{t('configurations.type')}</th>
                <th scope="col">{t('configurations.company')}</th>
                <th scope="col">{t('configurations.status')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.id} aria-current={String(c.id) === selected ? 'true' : undefined}>
                  <td>
                    <a href={href('companies', 'configurations', c.id)}>{c.name}</a>
                  </td>
                  <td>{c.type?.name}</td>
                  <td>{c.company?.name ?? c.company?.identifier}</td>
                  <td>{c.status?.name}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        {selected && <ConfigurationDetail id={Number(selected)} onSaved={list.reload} />}
      </div>
    </>
  );
}

function ConfigurationDetail({ id, onSaved }: { id: number; onSaved: () => void }) {
  const { t } = useTranslation();
  const canEdit = useCan('Companies/Configurations', 'edit');
  const config = useLoad(() => restApi.get<Configuration>(`/company/configurations/${id}`), [id]);
  const [answers, setAnswers] = useState<Record<number, string>>({});
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const next: Record<number, string> = {};
    for (const q of config.data?.questions ?? [])
      next[q.questionId] = q.answer === undefined ? '' : String(q.answer);
    setAnswers(next);
  }, [config.data]);
  if (config.error) return <ErrorMessage error={config.error} />;
  if (!config.data) return <Loading />;
  const c = config.data;
  const questions = c.questions ?? [];
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setSaved(undefined);
    try {
      const value = questions.map((q) => ({ questionId: q.questionId, answer: answers[q.questionId] ?? '' }));
      await restApi.patch(`/company/configurations/${id}`, [{ op: 'replace', path: 'questions', value }]);
      setSaved(t('common.savedRecord'));
      config.reload();
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="detail" aria-labelledby="configuration-title">
      <h2 id="configuration-title">{c.name}</h2>
      <dl>
        <dt>{t('configurations.type')}</dt>
        <dd>{c.type?.name}</dd>
        <dt>{t('configurations.company')}</dt>
        <dd>{c.company?.name ?? c.company?.identifier}</dd>
        <dt>{t('configurations.serialNumber')}</dt>
        <dd>{c.serialNumber || '—'}</dd>
      </dl>
      <h3>{t('configurations.questions')}</h3>
      {questions.length === 0 && <Empty text={t('configurations.noQuestions')} />}
      {questions.length > 0 && (
        <form onSubmit={save} className="form">
          <Success text={saved} />
          <ErrorMessage error={error} />
          <fieldset disabled={!canEdit}>
            <legend className="sr-only">{t('configurations.questions')}</legend>
            {questions.map((q) => (
              <Field key={q.questionId} label={q.question} required={q.requiredFlag === true}>
                <input
                  value={answers[q.questionId] ?? ''}
                  onChange={(e) => setAnswers({ ...answers, [q.questionId]: e.target.value })}
                />
              </Field>
            ))}
            {canEdit && (
              <button type="submit" className="primary">
                {t('common.save')}
              </button>
            )}
          </fieldset>
        </form>
      )}
    </section>
  );
}
