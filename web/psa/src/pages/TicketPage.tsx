// One service ticket: its details, the status (changed with the board's statuses), the notes and a
// form to add one.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Time } from '../../../shared/format.js';
import { restApi } from '../api.js';
import { Empty, ErrorMessage, Field, Loading, PageHeader, Success } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';
import { useCan } from '../session.js';
import type { Named, Note, Ticket } from './cw.js';

export function TicketPage({ id }: { id: number }) {
  const { t } = useTranslation();
  const canEdit = useCan('ServiceDesk/ServiceTickets', 'edit');
  const ticket = useLoad(() => restApi.get<Ticket>(`/service/tickets/${id}`), [id]);
  const boardId = ticket.data?.board?.id;
  const statuses = useLoad(
    () =>
      boardId
        ? restApi.get<Named[]>(`/service/boards/${boardId}/statuses?pageSize=1000&orderBy=sortOrder`)
        : Promise.resolve([]),
    [boardId],
  );
  const notes = useLoad(
    () => restApi.get<Note[]>(`/service/tickets/${id}/notes?pageSize=1000&orderBy=id`),
    [id],
  );
  const [status, setStatus] = useState('');
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<unknown>();

  if (ticket.error) return <ErrorMessage error={ticket.error} />;
  if (!ticket.data) return <Loading />;
  const tk = ticket.data;
  const run = async (work: () => Promise<unknown>) => {
    setError(undefined);
    setSaved(undefined);
    try {
      await work();
      setSaved(t('common.savedRecord'));
    } catch (err) {
      setError(err);
    }
  };
  const changeStatus = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await restApi.patch(`/service/tickets/${id}`, [
        { op: 'replace', path: 'status', value: { id: Number(status) } },
      ]);
      ticket.reload();
    });
  };
  const addNote = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await restApi.post(`/service/tickets/${id}/notes`, { text, detailDescriptionFlag: true });
      setText('');
      notes.reload();
    });
  };
  return (
    <>
      <p className="breadcrumb">
        <a href={href('service-board')}>{t('board.title')}</a>
      </p>
      <PageHeader title={t('ticket.title', { id: tk.id, summary: tk.summary })} />
      <Success text={saved} />
      <ErrorMessage error={error} />
      <dl className="detail">
        <dt>{t('ticket.company')}</dt>
        <dd>{tk.company?.name ?? tk.company?.identifier}</dd>
        <dt>{t('ticket.board')}</dt>
        <dd translate="no">{tk.board?.name}</dd>
        <dt>{t('ticket.status')}</dt>
        <dd data-testid="ticket-status" translate="no">
          {tk.status?.name}
        </dd>
        <dt>{t('ticket.priority')}</dt>
        <dd translate="no">{tk.priority?.name}</dd>
        <dt>{t('ticket.description')}</dt>
        <dd className="pre">{tk.initialDescription || '—'}</dd>
      </dl>
      {canEdit && (
        <form onSubmit={changeStatus} className="inline-form">
          <Field label={t('ticket.newStatus')}>
            <select required value={status} onChange={(e) => setStatus(e.target.value)} translate="no">
              <option value="">{t('ticket.chooseStatus')}</option>
              {statuses.data?.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit">{t('ticket.changeStatus')}</button>
        </form>
      )}
      <h2>{t('ticket.notes')}</h2>
      <ErrorMessage error={notes.error} />
      {notes.data?.length === 0 && <Empty text={t('ticket.noNotes')} />}
      <ol className="notes">
        {notes.data?.map((n) => (
          <li key={n.id}>
            <p className="muted">
              <span translate="no">{n.createdBy ?? n._info?.enteredBy}</span> ·{' '}
              <Time value={n.dateCreated ?? n._info?.dateEntered} />
            </p>
            <p className="pre">{n.text}</p>
          </li>
        ))}
      </ol>
      {canEdit && (
        <form onSubmit={addNote} className="form">
          <Field label={t('ticket.newNote')} required>
            <textarea required rows={4} value={text} onChange={(e) => setText(e.target.value)} />
          </Field>
          <button type="submit" className="primary">
            {t('ticket.addNote')}
          </button>
        </form>
      )}
    </>
  );
}
