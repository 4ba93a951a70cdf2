import { describe, expect, it } from 'vitest';
import { readWriteDetail } from './write-details.js';

describe('write log details by key', () => {
  it('reads the words the effects write into a key and its parameters', () => {
    expect(readWriteDetail('created ticket 42')).toEqual({ key: 'ticket.created', params: { ticket: '42' } });
    expect(readWriteDetail('note 7 already on ticket 42')).toEqual({
      key: 'note.alreadyOn',
      params: { note: '7', ticket: '42' },
    });
    expect(readWriteDetail('close skipped: the track has a newer ticket')).toEqual({
      key: 'track.newerTicket',
      params: { what: 'close' },
    });
    expect(readWriteDetail('configuration 3 unchanged (confirmed 2026-12-07T18:54:50Z)')).toEqual({
      key: 'configuration.unchanged',
      params: { configuration: '3', at: '2026-12-07T18:54:50Z' },
    });
    expect(
      readWriteDetail(
        'the PSA refused POST /service/tickets (400): ticket object is invalid — board: Board not found',
      ),
    ).toEqual({
      key: 'psa.refused',
      params: {
        request: 'POST /service/tickets',
        status: '400',
        words: 'ticket object is invalid — board: Board not found',
      },
    });
  });

  it('leaves a detail no template reads alone', () => {
    expect(readWriteDetail('something new')).toBeNull();
  });
});
