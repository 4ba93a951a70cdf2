// A new provider's dashboard before any DNS data (issue 18): the three setup steps instead of empty
// charts — connect the PSA, add or import customers, bind their logs — each linking to its screen
// and marked done from the provider's state (GET /setup, read again every few seconds, so the steps
// turn done and the charts replace them once the first logs are counted).
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { href } from '../router.js';
import { useSession } from '../session.js';
import type { SetupProgress } from '../types.js';

type StepId = 'psa' | 'customers' | 'bindings';

function Step({
  id,
  number,
  done,
  link,
  children,
}: {
  id: StepId;
  number: number;
  done: boolean;
  link: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <li className={`setup-step ${done ? 'done' : 'todo'}`} data-testid={`setup-step-${id}`}>
      <span className="setup-mark" aria-hidden="true">
        {done ? '✓' : number}
      </span>
      <div>
        <h3>
          <a href={link}>{t(`setup.steps.${id}`)}</a>{' '}
          <span className={`badge ${done ? 'ok' : 'warn'}`}>{done ? t('setup.done') : t('setup.todo')}</span>
        </h3>
        {children}
      </div>
    </li>
  );
}

export function SetupSteps({ progress }: { progress: SetupProgress }) {
  const { t } = useTranslation();
  const { kind } = useSession().provider;
  const screen = t('integration.title');
  const { psa, customers, bindings } = progress;
  return (
    <section aria-labelledby="setup-title" className="panel setup">
      <h2 id="setup-title">{t('setup.title')}</h2>
      <p className="muted">{t('setup.intro')}</p>
      <ol className="setup-steps">
        <Step id="psa" number={1} done={psa.done} link={href('settings', 'psa-integration')}>
          <p>{t('setup.text.psa', { settings: t('nav.settings', { kind }), screen })}</p>
          {psa.checkFailed && <p className="message warning">{t('setup.psaCheckFailed', { screen })}</p>}
        </Step>
        <Step id="customers" number={2} done={customers.done} link={href('customers')}>
          <p>
            {t('setup.text.customers', {
              customers: t('customers.title'),
              importTitle: t('customers.importTitle'),
            })}
          </p>
          <p className="muted">{t('setup.customersCount', { count: customers.count })}</p>
        </Step>
        <Step
          id="bindings"
          number={3}
          done={bindings.done}
          link={
            bindings.nextCustomerId === null ? href('customers') : href('customers', bindings.nextCustomerId)
          }
        >
          <p>{t('setup.text.bindings', { section: t('bindings.title') })}</p>
          <p className="muted">{t('setup.bindingsCount', { count: bindings.count })}</p>
        </Step>
      </ol>
      {progress.complete && (
        <p className="message info" role="status">
          {t('setup.waiting')}
        </p>
      )}
    </section>
  );
}
