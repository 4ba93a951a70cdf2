// Companies: the list (search by name) and the chosen company's details.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { query, restApi } from '../api.js';
import { Empty, ErrorMessage, Field, Loading, PageHeader, Table } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';
import { CompanyAgreements } from './CompanyAgreements.js';
import { type Company, quoted } from './cw.js';

export function Companies({ selected }: { selected: string | undefined }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const companies = useLoad(
    () =>
      restApi.get<Company[]>(
        `/company/companies${query({ pageSize: 200, orderBy: 'name', conditions: search.trim() ? `name contains ${quoted(search.trim())}` : undefined })}`,
      ),
    [search],
  );
  const chosen = companies.data?.find((c) => String(c.id) === selected);
  return (
    <>
      <PageHeader title={t('companies.title')} />
      <Field label={t('companies.search')}>
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </Field>
      <ErrorMessage error={companies.error} />
      {!companies.data && !companies.error && <Loading />}
      {companies.data?.length === 0 && <Empty text={t('companies.none')} />}
      <div className="split">
        {companies.data && companies.data.length > 0 && (
          <Table caption={t('companies.title')}>
            <thead>
              <tr>
                <th scope="col">{t('companies.identifier')}</th>
                <th scope="col">{t('companies.name')}</th>
                <th scope="col">{t('companies.city')}</th>
                <th scope="col">{t('companies.phone')}</th>
              </tr>
            </thead>
            <tbody>
              {companies.data.map((c) => (
                <tr key={c.id} aria-current={c === chosen ? 'true' : undefined}>
                  <td>
                    <a href={href('companies', c.id)}>{c.identifier}</a>
                  </td>
                  <td>{c.name}</td>
                  <td>{[c.city, c.state].filter(Boolean).join(', ')}</td>
                  <td>{c.phoneNumber}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        {chosen && (
          <section className="detail" aria-labelledby="company-title">
            <h2 id="company-title">{chosen.name}</h2>
            <dl>
              <dt>{t('companies.identifier')}</dt>
              <dd>{chosen.identifier}</dd>
              <dt>{t('companies.address')}</dt>
              <dd>
                {[chosen.addressLine1, chosen.city, chosen.state, chosen.zip].filter(Boolean).join(', ') ||
                  '—'}
              </dd>
              <dt>{t('companies.phone')}</dt>
              <dd>{chosen.phoneNumber || '—'}</dd>
              <dt>{t('companies.status')}</dt>
              <dd>{chosen.status?.name ?? '—'}</dd>
            </dl>
            <CompanyAgreements companyId={chosen.id} />
          </section>
        )}
      </div>
    </>
  );
}
