// MSP Settings / MSSP Settings → PSA Integration Details (CON-3), the article's path: Enabled under
// Credentials, Public API Key, Private API Key (plus site, company id and clientId), Save — which
// runs the preflight, shown inline with the fix for each failure — and the help panel beside it.
// Saved keys are never shown again: the fields show their masked hints and stay empty unless replaced.
import { type FormEvent, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { ErrorMessage, Field, Loading, PageHeader, ReadOnlyNotice, Success } from '../components/ui.js';
import { useFormat } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { useIsAdmin, useSession } from '../session.js';
import type { IntegrationView, PreflightResult } from '../types.js';
import { ArticleHelp } from './ArticleHelp.js';
import { PreflightResults } from './PreflightResults.js';

interface Form {
  enabled: boolean;
  site: string;
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
  trustedCa: string;
}

const fromView = (v: IntegrationView): Form => ({
  enabled: v.enabled,
  site: v.site,
  companyId: v.companyId,
  publicKey: '',
  privateKey: '',
  clientId: v.clientId,
  trustedCa: '',
});

export function PsaIntegration() {
  const { t } = useTranslation();
  const f = useFormat();
  const session = useSession();
  const admin = useIsAdmin();
  const enabledId = useId();
  const view = useLoad(() => api.get<IntegrationView>('/psa-integration'), []);
  const [form, setForm] = useState<Form>();
  const [preflight, setPreflight] = useState<PreflightResult | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => {
    if (view.data) {
      setForm(fromView(view.data));
      setPreflight(view.data.preflight);
    }
  }, [view.data]);
  const set = <K extends keyof Form>(key: K, value: Form[K]) =>
    setForm((old) => old && { ...old, [key]: value });

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!form) return;
    setSaved(false);
    const body = {
      enabled: form.enabled,
      site: form.site,
      companyId: form.companyId,
      clientId: form.clientId,
      ...(form.publicKey.trim() ? { publicKey: form.publicKey } : {}),
      ...(form.privateKey.trim() ? { privateKey: form.privateKey } : {}),
      ...(form.trustedCa.trim() ? { trustedCa: form.trustedCa } : {}),
    };
    const next = await action.run(() => api.put<IntegrationView>('/psa-integration', body));
    if (next) {
      setForm(fromView(next));
      setPreflight(next.preflight);
      setSaved(true);
      view.reload();
    }
  };
  const rerun = async () => {
    setSaved(false);
    const result = await action.run(() => api.post<PreflightResult>('/psa-integration/preflight'));
    if (result) setPreflight(result);
  };

  const settingsTitle = t('nav.settings', { kind: session.provider.kind });
  return (
    <>
      <PageHeader title={settingsTitle} />
      <div className="settings-layout">
        <div>
          <h2>{t('integration.title')}</h2>
          <p className="muted">{t('integration.intro')}</p>
          <ReadOnlyNotice />
          <ErrorMessage error={view.error} />
          {!form && !view.error && <Loading />}
          {form && view.data && (
            <form onSubmit={save} className="form" aria-label={t('integration.title')}>
              <fieldset disabled={!admin || action.busy}>
                <legend>{t('integration.credentials')}</legend>
                <div className="check">
                  <input
                    id={enabledId}
                    type="checkbox"
                    checked={form.enabled}
                    onChange={(e) => set('enabled', e.target.checked)}
                  />
                  <label htmlFor={enabledId}>{t('integration.enabled')}</label>
                </div>
                <Field label={t('integration.site')} hint={t('integration.siteHint')} required>
                  <input required value={form.site} onChange={(e) => set('site', e.target.value)} />
                </Field>
                <Field label={t('integration.companyId')} hint={t('integration.companyIdHint')} required>
                  <input required value={form.companyId} onChange={(e) => set('companyId', e.target.value)} />
                </Field>
                <Field
                  label={t('integration.publicKey')}
                  hint={
                    view.data.publicKeyHint
                      ? t('integration.keySaved', { hint: view.data.publicKeyHint })
                      : t('integration.publicKeyHint')
                  }
                  required={!view.data.hasKeys}
                >
                  <input
                    autoComplete="off"
                    spellCheck={false}
                    required={!view.data.hasKeys}
                    value={form.publicKey}
                    onChange={(e) => set('publicKey', e.target.value)}
                  />
                </Field>
                <Field
                  label={t('integration.privateKey')}
                  hint={
                    view.data.privateKeyHint
                      ? t('integration.keySaved', { hint: view.data.privateKeyHint })
                      : t('integration.privateKeyHint')
                  }
                  required={!view.data.hasKeys}
                >
                  <input
                    type="password"
                    autoComplete="new-password"
                    required={!view.data.hasKeys}
                    value={form.privateKey}
                    onChange={(e) => set('privateKey', e.target.value)}
                  />
                </Field>
                <Field label={t('integration.clientId')} hint={t('integration.clientIdHint')} required>
                  <input required value={form.clientId} onChange={(e) => set('clientId', e.target.value)} />
                </Field>
                <details>
                  <summary>{t('integration.advanced')}</summary>
                  <Field
                    label={t('integration.trustedCa')}
                    hint={
                      view.data.trustedCa ? t('integration.trustedCaSaved') : t('integration.trustedCaHint')
                    }
                  >
                    <textarea
                      rows={4}
                      spellCheck={false}
                      value={form.trustedCa}
                      onChange={(e) => set('trustedCa', e.target.value)}
                    />
                  </Field>
                </details>
                <div className="toolbar">
                  <button type="submit" className="primary">
                    {t('integration.save')}
                  </button>
                  {view.data.hasKeys && (
                    <button type="button" onClick={rerun}>
                      {t('integration.rerun')}
                    </button>
                  )}
                </div>
              </fieldset>
              {action.busy && (
                <p role="status" className="muted">
                  {t('integration.checking')}
                </p>
              )}
            </form>
          )}
          <ErrorMessage error={action.error} />
          <Success text={saved ? t('integration.saved') : undefined} />
          {view.data?.updatedAt && (
            <p className="muted">
              {t('integration.lastSaved', {
                at: f.when(view.data.updatedAt),
                by: view.data.updatedBy ?? '—',
              })}
            </p>
          )}
          {preflight && <PreflightResults result={preflight} />}
          {!preflight && form && <p className="muted">{t('integration.noPreflight')}</p>}
        </div>
        <ArticleHelp />
      </div>
    </>
  );
}
