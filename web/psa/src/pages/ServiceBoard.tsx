// A service board's tickets, filtered by board and status; a ticket opens its own page.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { query, restApi } from '../api.js';
import { Empty, ErrorMessage, Field, Loading, PageHeader, Table } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';
import type { Named, Ticket } from './cw.js';

const FILTER_KEY = 'parasol.psa.board';

function savedFilter(): { board: string; status: string } {
  try {
    return { board: '', status: '', ...JSON.parse(sessionStorage.getItem(FILTER_KEY) ?? '{}') };
  } catch {
    return { board: '', status: '' };
  }
}

export function ServiceBoard() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState(savedFilter);
  const update = (next: { board: string; status: string }) => {
    sessionStorage.setItem(FILTER_KEY, JSON.stringify(next));
    setFilter(next);
  };
  const boards = useLoad(() => restApi.get<Named[]>('/service/boards?pageSize=1000&orderBy=name'), []);
  const statuses = useLoad(
    () =>
      filter.board
        ? restApi.get<Named[]>(`/service/boards/${filter.board}/statuses?pageSize=1000&orderBy=sortOrder`)
        : Promise.resolve([]),
    [filter.board],
  );
  const conditions = [
    filter.board && `board/id=${filter.board}`,
    filter.status && `status/id=${filter.status}`,
  ]
    .filter(Boolean)
    .join(' and ');
  const tickets = useLoad(
    () =>
      restApi.get<Ticket[]>(`/service/tickets${query({ conditions, orderBy: 'id desc', pageSize: 100 })}`),
    [conditions],
  );
  return (
    <>
      <PageHeader title={t('board.title')} />
      <div className="filters">
        <Field label={t('board.board')}>
          <select value={filter.board} onChange={(e) => update({ board: e.target.value, status: '' })}>
            <option value="">{t('board.allBoards')}</option>
            {boards.data?.map((b) => (
              <option key={b.id} value={b.id} translate="no">
                {b.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('board.status')}>
          <select
            value={filter.status}
            disabled={!filter.board}
            onChange={(e) => update({ ...filter, status: e.target.value })}
          >
            <option value="">{t('board.allStatuses')}</option>
            {statuses.data?.map((s) => (
              <option key={s.id} value={s.id} translate="no">
                {s.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ErrorMessage error={boards.error ?? tickets.error} />
      {!tickets.data && !tickets.error && <Loading />}
      {tickets.data?.length === 0 && <Empty text={t('board.none')} />}
      {tickets.data && tickets.data.length > 0 && (
        <Table caption={t('board.tickets')}>
          <thead>
            <tr>
              <th scope="col">{t('ticket.number')}</th>
              <th scope="col">{t('ticket.summary')}</th>
              <th scope="col">{t('ticket.company')}</th>
              <th scope="col">{t('ticket.board')}</th>
              <th scope="col">{t('ticket.status')}</th>
              <th scope="col">{t('ticket.priority')}</th>
            </tr>
          </thead>
          <tbody>
            {tickets.data.map((tk) => (
              <tr key={tk.id}>
                <td>
                  <a href={href('service-board', 'tickets', tk.id)}>{tk.id}</a>
                </td>
                <td>{tk.summary}</td>
                <td>{tk.company?.name ?? tk.company?.identifier}</td>
                <td translate="no">{tk.board?.name}</td>
                <td translate="no">{tk.status?.name}</td>
                <td translate="no">{tk.priority?.name}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
