// System → Table Setup: service boards with their statuses, types, subtypes and items; priorities;
// sources; configuration types with their questions. A table the role may not read says so.
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { restApi } from '../api.js';
import { Empty, ErrorMessage, Field, Loading, PageHeader } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import type { Named } from './cw.js';

const label = (r: Named) => r.name ?? r.description ?? r.question ?? String(r.id);

function SetupList({ title, path, extra }: { title: string; path: string; extra?: (r: Named) => string }) {
  const { t } = useTranslation();
  const rows = useLoad(
    () => restApi.get<Named[]>(`${path}${path.includes('?') ? '&' : '?'}pageSize=1000`),
    [path],
  );
  return (
    <section className="setup-list" aria-label={title}>
      <h3>{title}</h3>
      <ErrorMessage error={rows.error} />
      {!rows.data && !rows.error && <Loading />}
      {rows.data?.length === 0 && <Empty text={t('tableSetup.empty')} />}
      <ul>
        {rows.data?.map((r) => (
          <li key={r.id}>
            {/* A record's own name stays as it was entered: not the UI's words. */}
            <span translate="no">{label(r)}</span>
            {r.defaultFlag ? ` (${t('tableSetup.default')})` : ''}
            {extra?.(r) ? ` — ${extra(r)}` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Picker({
  title,
  path,
  children,
}: {
  title: string;
  path: string;
  children: (id: string) => ReactNode;
}) {
  const { t } = useTranslation();
  const rows = useLoad(() => restApi.get<Named[]>(`${path}?pageSize=1000&orderBy=id`), [path]);
  const [chosen, setChosen] = useState('');
  const id = chosen || String(rows.data?.[0]?.id ?? '');
  return (
    <section className="setup-group" aria-label={title}>
      <h2>{title}</h2>
      <ErrorMessage error={rows.error} />
      {rows.data?.length === 0 && <Empty text={t('tableSetup.empty')} />}
      {rows.data && rows.data.length > 0 && (
        <>
          <Field label={title}>
            <select value={id} onChange={(e) => setChosen(e.target.value)}>
              {rows.data.map((r) => (
                <option key={r.id} value={r.id} translate="no">
                  {label(r)}
                </option>
              ))}
            </select>
          </Field>
          <div className="setup-columns">{id && children(id)}</div>
        </>
      )}
    </section>
  );
}

export function TableSetup() {
  const { t } = useTranslation();
  const names = (key: string) => t(`tableSetup.${key}`);
  return (
    <>
      <PageHeader title={t('tableSetup.title')} />
      <Picker title={names('boards')} path="/service/boards">
        {(id) => (
          <>
            <SetupList
              title={names('statuses')}
              path={`/service/boards/${id}/statuses?orderBy=sortOrder`}
              extra={(r) => (r.closedStatus ? t('tableSetup.closed') : '')}
            />
            <SetupList title={names('types')} path={`/service/boards/${id}/types`} />
            <SetupList title={names('subtypes')} path={`/service/boards/${id}/subtypes`} />
            <SetupList title={names('items')} path={`/service/boards/${id}/items`} />
          </>
        )}
      </Picker>
      <section className="setup-group setup-columns" aria-label={t('tableSetup.service')}>
        <SetupList
          title={names('priorities')}
          path="/service/priorities?orderBy=sortOrder"
          extra={(r) => r.color ?? ''}
        />
        <SetupList title={names('sources')} path="/service/sources" />
      </section>
      <Picker title={names('configurationTypes')} path="/company/configurations/types">
        {(id) => (
          <SetupList
            title={names('questions')}
            path={`/company/configurations/types/${id}/questions?orderBy=sequenceNumber`}
            extra={(r) =>
              [r.fieldType, r.requiredFlag ? t('tableSetup.required') : ''].filter(Boolean).join(', ')
            }
          />
        )}
      </Picker>
    </>
  );
}
