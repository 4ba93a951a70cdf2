// A company's agreements and each agreement's additions (issue 17): what a per-seat billing
// integration keeps up to date, shown read-only on the company's screen.
import { useTranslation } from 'react-i18next';
import { query, restApi } from '../api.js';
import { Empty, ErrorMessage, Loading, Table } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import type { Addition, Agreement } from './cw.js';

const day = (iso: string | undefined, lang: string) =>
  iso ? new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso)) : '—';
const amount = (n: number | undefined, lang: string) =>
  n === undefined ? '—' : new Intl.NumberFormat(lang, { maximumFractionDigits: 4 }).format(n);

export function CompanyAgreements({ companyId }: { companyId: number }) {
  const { t } = useTranslation();
  const agreements = useLoad(
    () =>
      restApi.get<Agreement[]>(
        `/finance/agreements${query({ pageSize: 100, orderBy: 'name', conditions: `company/id = ${companyId}` })}`,
      ),
    [companyId],
  );
  return (
    <section aria-labelledby="agreements-title">
      <h3 id="agreements-title">{t('agreements.title')}</h3>
      <ErrorMessage error={agreements.error} />
      {!agreements.data && !agreements.error && <Loading />}
      {agreements.data?.length === 0 && <Empty text={t('agreements.none')} />}
      {agreements.data?.map((a) => (
        <AgreementAdditions key={a.id} agreement={a} />
      ))}
    </section>
  );
}

function AgreementAdditions({ agreement }: { agreement: Agreement }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const additions = useLoad(
    () =>
      restApi.get<Addition[]>(
        `/finance/agreements/${agreement.id}/additions${query({ pageSize: 100, orderBy: 'sequenceNumber' })}`,
      ),
    [agreement.id],
  );
  const headingId = `agreement-${agreement.id}`;
  return (
    <article aria-labelledby={headingId} className="agreement">
      <h4 id={headingId}>{agreement.name}</h4>
      <dl>
        <dt>{t('agreements.type')}</dt>
        <dd>{agreement.type?.name ?? '—'}</dd>
        <dt>{t('agreements.status')}</dt>
        <dd>{agreement.agreementStatus ? t(`agreements.statuses.${agreement.agreementStatus}`) : '—'}</dd>
        <dt>{t('agreements.startDate')}</dt>
        <dd>{day(agreement.startDate, lang)}</dd>
      </dl>
      <ErrorMessage error={additions.error} />
      {!additions.data && !additions.error && <Loading />}
      {additions.data?.length === 0 && <Empty text={t('agreements.noAdditions')} />}
      {additions.data && additions.data.length > 0 && (
        <Table caption={t('agreements.additionsOf', { name: agreement.name })}>
          <thead>
            <tr>
              <th scope="col">{t('agreements.product')}</th>
              <th scope="col">{t('agreements.quantity')}</th>
              <th scope="col">{t('agreements.lessIncluded')}</th>
              <th scope="col">{t('agreements.billedQuantity')}</th>
              <th scope="col">{t('agreements.unitPrice')}</th>
              <th scope="col">{t('agreements.effectiveDate')}</th>
              <th scope="col">{t('agreements.cancelledDate')}</th>
              <th scope="col">{t('agreements.status')}</th>
            </tr>
          </thead>
          <tbody>
            {additions.data.map((d) => (
              <tr key={d.id}>
                <td>
                  {d.product?.identifier}
                  {d.description ? <div className="muted">{d.description}</div> : null}
                </td>
                <td>{amount(d.quantity, lang)}</td>
                <td>{amount(d.lessIncluded, lang)}</td>
                <td>{amount(d.billedQuantity, lang)}</td>
                <td>{amount(d.unitPrice, lang)}</td>
                <td>{day(d.effectiveDate, lang)}</td>
                <td>{day(d.cancelledDate, lang)}</td>
                <td>{d.agreementStatus ? t(`agreements.statuses.${d.agreementStatus}`) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </article>
  );
}
