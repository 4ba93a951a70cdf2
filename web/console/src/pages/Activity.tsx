// Activity and health (CON-11): the integration's state, each customer's mapping, last sync, last
// ticket and last error with a retry of its failed PSA writes, the log of every PSA write (redacted
// by the server) and the admin audit log.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Tabs } from '../../../shared/Tabs.js';
import { api, query } from '../api.js';
import {
  Empty,
  ErrorMessage,
  Loading,
  MappingBadge,
  PageHeader,
  Section,
  Success,
  Table,
} from '../components/ui.js';
import { useFormat } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { href } from '../router.js';
import { useIsAdmin } from '../session.js';
import type { AuditEntry, CustomerHealth, IntegrationHealth, WriteLogEntry } from '../types.js';

const TABS = ['customers', 'writes', 'audit'] as const;

export function Activity({ tab }: { tab: string }) {
  const { t } = useTranslation();
  const current = (TABS as readonly string[]).includes(tab) ? tab : 'customers';
  return (
    <>
      <PageHeader title={t('activity.title')} />
      <IntegrationState />
      <Tabs
        label={t('activity.title')}
        current={current}
        tabs={TABS.map((k) => ({ key: k, label: t(`activity.tabs.${k}`), href: href('activity', k) }))}
      >
        {current === 'customers' && <CustomersHealth />}
        {current === 'writes' && <WriteLog />}
        {current === 'audit' && <AuditLog />}
      </Tabs>
    </>
  );
}

function IntegrationState() {
  const { t } = useTranslation();
  const f = useFormat();
  const admin = useIsAdmin();
  const health = useLoad(() => api.get<IntegrationHealth>('/activity/integration'), []);
  const action = useAction();
  const [done, setDone] = useState<string>();
  const retryAll = async () => {
    const r = await action.run(() => api.post<{ retried: number }>('/activity/retry', {}));
    if (r) {
      setDone(t('activity.retried', { count: r.retried }));
      health.reload();
    }
  };
  const h = health.data;
  return (
    <Section title={t('activity.integrationTitle')}>
      <ErrorMessage error={health.error ?? action.error} />
      {h && (
        <>
          <p className={`message ${h.circuit === 'open' ? 'error' : 'info'}`} data-testid="circuit">
            {h.circuit === 'open'
              ? t('activity.circuitOpen', { reason: h.circuitReason ?? '—', at: f.when(h.circuitOpenedAt) })
              : t('activity.circuitClosed')}
          </p>
          <dl>
            <dt>{t('activity.lastSuccess')}</dt>
            <dd>{f.when(h.lastSuccessAt)}</dd>
            <dt>{t('activity.lastError')}</dt>
            <dd>{h.lastError ? `${h.lastError} (${f.when(h.lastErrorAt)})` : '—'}</dd>
            <dt>{t('activity.pending')}</dt>
            <dd>{f.number(h.pending)}</dd>
            <dt>{t('activity.failed')}</dt>
            <dd>{f.number(h.failed)}</dd>
          </dl>
          {h.failed > 0 && (
            <button type="button" disabled={!admin || action.busy} onClick={retryAll}>
              {t('activity.retryAll')}
            </button>
          )}
          <Success text={done} />
        </>
      )}
    </Section>
  );
}

function CustomersHealth() {
  const { t } = useTranslation();
  const f = useFormat();
  const admin = useIsAdmin();
  const list = useLoad(() => api.get<CustomerHealth[]>('/activity/customers'), []);
  const action = useAction();
  const [done, setDone] = useState<string>();
  const retry = async (c: CustomerHealth) => {
    const r = await action.run(() =>
      api.post<{ retried: number }>('/activity/retry', { customerId: c.customerId }),
    );
    if (r) {
      setDone(t('activity.retriedFor', { count: r.retried, name: c.name }));
      list.reload();
    }
  };
  return (
    <>
      <ErrorMessage error={list.error ?? action.error} />
      <Success text={done} />
      {!list.data && !list.error && <Loading />}
      {list.data?.length === 0 && <Empty text={t('activity.noCustomers')} />}
      {list.data && list.data.length > 0 && (
        <Table caption={t('activity.tabs.customers')}>
          <thead>
            <tr>
              <th scope="col">{t('activity.col.customer')}</th>
              <th scope="col">{t('activity.col.mapping')}</th>
              <th scope="col">{t('activity.col.lastSync')}</th>
              <th scope="col">{t('activity.col.lastTicket')}</th>
              <th scope="col">{t('activity.col.writes')}</th>
              <th scope="col">{t('activity.col.lastError')}</th>
              <th scope="col">{t('activity.col.action')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((c) => (
              <tr key={c.customerId}>
                <th scope="row">
                  <a href={href('customers', c.customerId)}>{c.name}</a>
                </th>
                <td>
                  <MappingBadge state={c.mappingState} />
                </td>
                <td>{f.when(c.lastConfigSyncAt)}</td>
                <td>
                  {c.lastTicket
                    ? t('activity.ticket', {
                        id: c.lastTicket.psaTicketId,
                        identity: c.lastTicket.identity,
                        state: t(`tickets.state.${c.lastTicket.state}`, { defaultValue: c.lastTicket.state }),
                      })
                    : '—'}
                </td>
                <td>{t('activity.writes', { pending: c.pendingWrites, failed: c.failedWrites })}</td>
                <td>
                  {c.lastError ? (
                    <>
                      {c.lastError.message}
                      <br />
                      <span className="muted">
                        {t(`activity.source.${c.lastError.source}`)} · {f.when(c.lastError.at)}
                      </span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  {c.canRetry && (
                    <button
                      type="button"
                      disabled={!admin || action.busy}
                      aria-label={t('activity.retryNamed', { name: c.name })}
                      onClick={() => retry(c)}
                    >
                      {t('activity.retry')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}

const PAGE = 100;

function WriteLog() {
  const { t } = useTranslation();
  const f = useFormat();
  // A detail in the reader's words when the server named its key (an instant in the reader's format,
  // the skipped step by its name); otherwise as the server wrote it.
  const writeDetail = (w: WriteLogEntry) => {
    if (!w.key) return w.detail;
    const params: Record<string, string> = { ...w.params };
    if (params.at) params.at = f.when(params.at);
    if (params.what) params.what = t(`writeDetails.what.${params.what}`, { defaultValue: params.what });
    return t(`writeDetails.${w.key}`, { ...params, defaultValue: w.detail });
  };
  const [before, setBefore] = useState<number[]>([]);
  const beforeId = before[before.length - 1];
  const list = useLoad(
    () => api.get<WriteLogEntry[]>(`/activity/psa-writes${query({ limit: PAGE, beforeId })}`),
    [beforeId],
  );
  return (
    <>
      <p className="muted">{t('activity.writesIntro')}</p>
      <ErrorMessage error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data?.length === 0 && <Empty text={t('activity.noWrites')} />}
      {list.data && list.data.length > 0 && (
        <Table caption={t('activity.tabs.writes')}>
          <thead>
            <tr>
              <th scope="col">{t('activity.col.at')}</th>
              <th scope="col">{t('activity.col.request')}</th>
              <th scope="col">{t('activity.col.status')}</th>
              <th scope="col">{t('activity.col.outcome')}</th>
              <th scope="col">{t('activity.col.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((w) => (
              <tr key={w.id} data-testid="write-row">
                <td>{f.when(w.at)}</td>
                <td>
                  <code>
                    {w.method} {w.path}
                  </code>
                </td>
                <td>{w.status ?? '—'}</td>
                <td>{t(`activity.outcomes.${w.outcome}`, { defaultValue: w.outcome })}</td>
                <td>{writeDetail(w)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <div className="toolbar">
        {before.length > 0 && (
          <button type="button" onClick={() => setBefore(before.slice(0, -1))}>
            {t('activity.newer')}
          </button>
        )}
        {list.data && list.data.length === PAGE && (
          <button type="button" onClick={() => setBefore([...before, list.data![PAGE - 1]!.id])}>
            {t('activity.older')}
          </button>
        )}
      </div>
    </>
  );
}

function AuditLog() {
  const { t } = useTranslation();
  const f = useFormat();
  const admin = useIsAdmin();
  const list = useLoad(() => (admin ? api.get<AuditEntry[]>('/audit') : Promise.resolve([])), [admin]);
  if (!admin) return <p className="message info">{t('activity.auditAdminsOnly')}</p>;
  return (
    <>
      <ErrorMessage error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data?.length === 0 && <Empty text={t('activity.noAudit')} />}
      {list.data && list.data.length > 0 && (
        <Table caption={t('activity.tabs.audit')}>
          <thead>
            <tr>
              <th scope="col">{t('activity.col.at')}</th>
              <th scope="col">{t('activity.col.actor')}</th>
              <th scope="col">{t('activity.col.actionName')}</th>
              <th scope="col">{t('activity.col.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((a) => (
              <tr key={a.id}>
                <td>{f.when(a.at)}</td>
                <td>{a.actor}</td>
                <td>
                  <code>{a.action}</code>
                </td>
                <td>{a.detail}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
