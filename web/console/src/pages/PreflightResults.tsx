// The preflight's result under Save: every step with its status, each failure with the fix in plain
// words (translated where the console knows it) and the PSA's own evidence under a disclosure.
import { useTranslation } from 'react-i18next';
import { useFormat } from '../format.js';
import { stepLabel, type Translate, translateFix } from '../preflight-text.js';
import type { PreflightResult } from '../types.js';

const ICON = { pass: '✓', fail: '✗', skipped: '–' } as const;

export function PreflightResults({ result }: { result: PreflightResult }) {
  const { t: i18nT } = useTranslation();
  const t = i18nT as unknown as Translate;
  const f = useFormat();
  const failed = result.steps.filter((s) => s.status === 'fail').length;
  return (
    <section aria-labelledby="preflight-title" className="preflight" data-testid="preflight">
      <h3 id="preflight-title">{t('preflight.title')}</h3>
      <p className={`message ${result.ok ? 'success' : 'error'}`} role={result.ok ? 'status' : 'alert'}>
        {result.ok ? t('preflight.passed') : t('preflight.failed', { count: failed })}{' '}
        <span className="muted">{t('preflight.checkedAt', { at: f.when(result.checkedAt) })}</span>
      </p>
      <ol className="steps">
        {result.steps.map((step) => (
          <li key={step.id} className={`step ${step.status}`} data-step={step.id}>
            <span className="step-status" aria-hidden="true">
              {ICON[step.status]}
            </span>
            <div>
              <strong>{stepLabel(t, step)}</strong>{' '}
              <span className="sr-only">{t(`preflight.status.${step.status}`)}</span>
              {step.status === 'fail' && (
                <div className="fix">
                  <span className="fix-label">{t('preflight.fix')}</span>{' '}
                  {translateFix(t, step).map((line) => (
                    <span key={line} className="fix-line">
                      {line}
                    </span>
                  ))}
                </div>
              )}
              {step.detail && step.status !== 'pass' && (
                <details>
                  <summary>{t('preflight.details')}</summary>
                  <p className="muted">{step.detail}</p>
                </details>
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
