// The API Keys tab: "+" → Description → Save shows the public and the private key once, with the
// warning, copy buttons and what else the console asks for (site, company id, a clientId);
// afterwards only public keys and descriptions are listed, each with Revoke, which asks first.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog, CopyButton } from '../../../shared/actions.js';
import { Time } from '../../../shared/format.js';
import { adminApi } from '../api.js';
import { Empty, ErrorMessage, Field, Loading, Success, Table } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import { type Member, useCan, useSession } from '../session.js';

interface ApiKey {
  id: number;
  description: string;
  publicKey: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

type CreatedKey = ApiKey & { privateKey: string };

export function ApiKeysTab({ member }: { member: Member }) {
  const { t } = useTranslation();
  const canAdd = useCan('System/MemberMaintenance', 'add');
  const canRevoke = useCan('System/MemberMaintenance', 'edit');
  const keys = useLoad(() => adminApi.get<ApiKey[]>(`/members/${member.id}/keys`), [member.id]);
  const [adding, setAdding] = useState(false);
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<CreatedKey>();
  const [error, setError] = useState<unknown>();
  const [revoking, setRevoking] = useState<ApiKey>();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      // The private key lives in this component's state only: it is gone on reload, as on the server.
      setCreated(await adminApi.post<CreatedKey>(`/members/${member.id}/keys`, { description }));
      setAdding(false);
      setDescription('');
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (key: ApiKey) => {
    setRevoking(undefined);
    setError(undefined);
    try {
      await adminApi.del(`/members/${member.id}/keys/${key.id}`);
      if (created?.id === key.id) setCreated(undefined);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <div className="toolbar">
        <h2>{t('keys.title')}</h2>
        {canAdd && !adding && (
          <button type="button" className="icon" onClick={() => setAdding(true)} title={t('keys.new')}>
            <span aria-hidden="true">+</span>
            <span className="sr-only">{t('keys.new')}</span>
          </button>
        )}
      </div>
      <ErrorMessage error={error} />
      {adding && (
        <form onSubmit={create} className="form" aria-label={t('keys.new')}>
          <Field label={t('keys.description')} required>
            <input
              required
              maxLength={100}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          </Field>
          <div className="toolbar">
            <button type="submit" className="primary">
              {t('common.save')}
            </button>
            <button type="button" onClick={() => setAdding(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      {created && <NewKey created={created} />}
      {!keys.data && !keys.error && <Loading />}
      <ErrorMessage error={keys.error} />
      {keys.data?.length === 0 && <Empty text={t('keys.none')} />}
      {keys.data && keys.data.length > 0 && (
        <Table caption={t('keys.title')}>
          <thead>
            <tr>
              <th scope="col">{t('keys.publicKey')}</th>
              <th scope="col">{t('keys.description')}</th>
              <th scope="col">{t('keys.created')}</th>
              <th scope="col">{t('keys.lastUsed')}</th>
              <th scope="col">{t('keys.status')}</th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((k) => (
              <tr key={k.id}>
                <td>
                  <code>{k.publicKey}</code>
                </td>
                <td>{k.description}</td>
                <td>
                  <Time value={k.createdAt} />
                </td>
                <td>
                  <Time value={k.lastUsedAt} />
                </td>
                <td>
                  {k.revokedAt ? (
                    <>
                      {t('keys.revoked')} <Time value={k.revokedAt} />
                    </>
                  ) : canRevoke ? (
                    <button
                      type="button"
                      onClick={() => setRevoking(k)}
                      aria-label={t('keys.revokeKey', { key: k.publicKey })}
                    >
                      {t('keys.revoke')}
                    </button>
                  ) : (
                    t('keys.active')
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {revoking && (
        <ConfirmDialog
          title={t('keys.confirmTitle')}
          confirmLabel={t('keys.revoke')}
          onConfirm={() => void revoke(revoking)}
          onCancel={() => setRevoking(undefined)}
        >
          <p>{t('keys.confirmText', { key: revoking.publicKey, description: revoking.description })}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function NewKey({ created }: { created: CreatedKey }) {
  const { t } = useTranslation();
  const session = useSession();
  // Any GUID identifies an integration to this PSA: one made here, kept while the key is shown.
  const [clientId] = useState(newGuid);
  const site = window.location.host;
  return (
    <section className="new-key" aria-labelledby="new-key-title">
      <Success text={t('keys.createdMessage')} />
      <h3 id="new-key-title">{t('keys.publicApiKey')}</h3>
      <dl>
        <dt>{t('keys.description')}</dt>
        <dd>{created.description}</dd>
        <dt>{t('keys.publicKey')}</dt>
        <dd>
          <code data-testid="public-key">{created.publicKey}</code>{' '}
          <CopyButton value={created.publicKey} label={t('keys.copyPublic')} />
        </dd>
        <dt>{t('keys.privateKey')}</dt>
        <dd>
          <code data-testid="private-key">{created.privateKey}</code>{' '}
          <CopyButton value={created.privateKey} label={t('keys.copyPrivate')} />
        </dd>
      </dl>
      <p className="message warning" role="note">
        {t('keys.privateKeyNotice')}
      </p>
      <h3 id="console-values-title">{t('keys.consoleTitle')}</h3>
      <p className="muted">{t('keys.consoleIntro')}</p>
      <dl aria-labelledby="console-values-title">
        <dt>{t('keys.site')}</dt>
        <dd>
          <code data-testid="site">{site}</code> <CopyButton value={site} label={t('keys.copySite')} />
        </dd>
        <dt>{t('keys.companyId')}</dt>
        <dd>
          <code data-testid="company-id">{session.companyId}</code>{' '}
          <CopyButton value={session.companyId} label={t('keys.copyCompanyId')} />
        </dd>
        <dt>{t('keys.clientId')}</dt>
        <dd>
          <code data-testid="client-id">{clientId}</code>{' '}
          <CopyButton value={clientId} label={t('keys.copyClientId')} />
          <span className="hint muted">{t('keys.clientIdHint')}</span>
        </dd>
      </dl>
    </section>
  );
}

/** A random GUID (version 4). */
function newGuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
