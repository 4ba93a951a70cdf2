// Configuration sync (CON-8): the configuration type the console keeps in the PSA and its questions,
// each customer's last sync (or why it is not synced), and "sync now" for all or one customer.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import {
  Empty,
  ErrorMessage,
  Loading,
  MappingBadge,
  PageHeader,
  ReadOnlyNotice,
  Section,
  Success,
  Table,
} from '../components/ui.js';
import { CONFIG_QUESTIONS } from '../config-questions.js';
import { useFormat } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { useIsAdmin } from '../session.js';
import type { ConfigSyncStatus } from '../types.js';

interface SyncSummary {
  day: string;
  ensureType: boolean;
  enqueued: number;
  notSynced: Array<{ customerId: number; reason: string }>;
}

/** After "sync now", the status is read again every two seconds for half a minute (the PSA writes run in the background). */
const FOLLOW_MS = 30_000;

export function ConfigSync() {
  const { t } = useTranslation();
  const f = useFormat();
  const admin = useIsAdmin();
  const status = useLoad(() => api.get<ConfigSyncStatus>('/config-sync'), []);
  const [following, setFollowing] = useState(0);
  const [summary, setSummary] = useState<string>();
  const action = useAction();
  useEffect(() => {
    if (!following) return;
    const timer = setInterval(() => {
      if (Date.now() > following + FOLLOW_MS) setFollowing(0);
      else status.reload();
    }, 2000);
    return () => clearInterval(timer);
  }, [following, status.reload]);
  const sync = async (customerIds?: number[]) => {
    setSummary(undefined);
    const s = await action.run(() =>
      api.post<SyncSummary>('/config-sync/run', customerIds ? { customerIds } : {}),
    );
    if (s) {
      setSummary(t('configSync.queued', { count: s.enqueued, day: s.day }));
      setFollowing(Date.now());
      status.reload();
    }
  };
  const data = status.data;
  return (
    <>
      <PageHeader title={t('configSync.title')}>
        <button type="button" className="primary" disabled={!admin || action.busy} onClick={() => sync()}>
          {t('configSync.syncNow')}
        </button>
      </PageHeader>
      <p className="muted">{t('configSync.intro')}</p>
      <ReadOnlyNotice />
      <ErrorMessage error={status.error ?? action.error} />
      <Success text={summary} />
      {!data && !status.error && <Loading />}
      {data && (
        <>
          <Section title={t('configSync.customersTitle')}>
            {data.customers.length === 0 ? (
              <Empty text={t('configSync.noCustomers')} />
            ) : (
              <Table caption={t('configSync.customersTitle')}>
                <thead>
                  <tr>
                    <th scope="col">{t('configSync.col.customer')}</th>
                    <th scope="col">{t('configSync.col.mapping')}</th>
                    <th scope="col">{t('configSync.col.configuration')}</th>
                    <th scope="col">{t('configSync.col.lastSynced')}</th>
                    <th scope="col">{t('configSync.col.problem')}</th>
                    <th scope="col">{t('configSync.col.action')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.customers.map((c) => (
                    <tr key={c.customerId} data-testid="sync-row">
                      <th scope="row">{c.name}</th>
                      <td>
                        <MappingBadge state={c.mappingState} />
                      </td>
                      <td>{c.psaConfigurationId ?? '—'}</td>
                      <td>{f.when(c.lastSyncedAt)}</td>
                      <td>{c.lastError ? `${c.lastError} (${f.when(c.lastErrorAt)})` : '—'}</td>
                      <td>
                        <button
                          type="button"
                          disabled={!admin || action.busy || c.mappingState !== 'mapped'}
                          aria-label={t('configSync.syncNamed', { name: c.name })}
                          onClick={() => sync([c.customerId])}
                        >
                          {t('configSync.sync')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </Section>
          <Section title={t('configSync.typeTitle')}>
            <dl>
              <dt>{t('configSync.typeName')}</dt>
              <dd data-testid="type-name">{data.typeName}</dd>
              <dt>{t('configSync.psaTypeId')}</dt>
              <dd>{data.psaTypeId ?? t('configSync.notCreated')}</dd>
              <dt>{t('configSync.ensuredAt')}</dt>
              <dd>{f.when(data.ensuredAt)}</dd>
            </dl>
            <Table caption={t('configSync.questionsTitle')}>
              <thead>
                <tr>
                  <th scope="col">{t('configSync.col.question')}</th>
                  <th scope="col">{t('configSync.col.meaning')}</th>
                  <th scope="col">{t('configSync.col.fieldType')}</th>
                </tr>
              </thead>
              <tbody>
                {CONFIG_QUESTIONS.map((q) => {
                  const category = q.key.startsWith('security-blocks:') ? q.key.slice(16) : undefined;
                  return (
                    <tr key={q.key}>
                      {/* The question's name in the PSA, which the configuration keeps as it is. */}
                      <td translate="no">{q.question}</td>
                      <td>
                        {category
                          ? t('configSync.meaning.securityBlocks', { category: t(`categories.${category}`) })
                          : t(`configSync.meaning.${q.key}`)}
                      </td>
                      <td>{q.fieldType}</td>
                    </tr>
                  );
                })}
              </tbody>
            </Table>
          </Section>
        </>
      )}
    </>
  );
}
