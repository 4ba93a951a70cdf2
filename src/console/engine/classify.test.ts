import { describe, expect, it } from 'vitest';
import { ConnectWiseError, type ConnectWiseErrorInit } from '../psa-client/types.js';
import { CREDENTIALS_REJECTED, classifyFailure } from './classify.js';
import type { FailureClass } from './types.js';

const cw = (init: Partial<ConnectWiseErrorInit>) =>
  new ConnectWiseError({ kind: 'http', message: 'ConnectWise answered', attempts: 1, ...init });
const http = (status: number, method: string, extra: Partial<ConnectWiseErrorInit> = {}) =>
  cw({ status, method, path: '/service/tickets', message: `answered ${status}`, ...extra });

const cases: Array<[string, unknown, FailureClass]> = [
  ['401', http(401, 'POST'), { kind: 'circuit', reason: CREDENTIALS_REJECTED }],
  [
    '403 names the request',
    http(403, 'PATCH', { path: '/service/tickets/12' }),
    {
      kind: 'circuit',
      reason:
        "permission refused by the PSA for PATCH /service/tickets/12 — check the integration's security role",
    },
  ],
  [
    "403 with ConnectWise's words",
    http(403, 'POST', { cwMessage: 'You do not have access to Service Tickets.' }),
    {
      kind: 'circuit',
      reason:
        "permission refused by the PSA for POST /service/tickets — check the integration's security role (ConnectWise: You do not have access to Service Tickets.)",
    },
  ],
  [
    '429 with Retry-After',
    http(429, 'POST', { retryAfterSeconds: 30 }),
    { kind: 'retry', ambiguous: false, retryAfterMs: 30_000, reason: 'answered 429' },
  ],
  ['429 without', http(429, 'GET'), { kind: 'retry', ambiguous: false, reason: 'answered 429' }],
  ['500 on POST', http(500, 'POST'), { kind: 'retry', ambiguous: true, reason: 'answered 500' }],
  ['502 on PATCH', http(502, 'PATCH'), { kind: 'retry', ambiguous: false, reason: 'answered 502' }],
  [
    '503 with Retry-After on GET',
    http(503, 'GET', { retryAfterSeconds: 5 }),
    { kind: 'retry', ambiguous: false, retryAfterMs: 5_000, reason: 'answered 503' },
  ],
  [
    'timeout on GET',
    cw({ kind: 'timeout', method: 'GET', message: 'timed out' }),
    { kind: 'retry', ambiguous: true, reason: 'timed out' },
  ],
  [
    'timeout on POST',
    cw({ kind: 'timeout', method: 'POST', message: 'timed out' }),
    { kind: 'retry', ambiguous: true, reason: 'timed out' },
  ],
  [
    'network on POST',
    cw({ kind: 'network', method: 'POST', message: 'reset' }),
    { kind: 'retry', ambiguous: true, reason: 'reset' },
  ],
  [
    'network on PUT',
    cw({ kind: 'network', method: 'PUT', message: 'reset' }),
    { kind: 'retry', ambiguous: false, reason: 'reset' },
  ],
  [
    'dns never reached the PSA',
    cw({ kind: 'dns', method: 'POST', message: 'no such host' }),
    { kind: 'retry', ambiguous: false, reason: 'no such host' },
  ],
  [
    'budget exhausted',
    cw({ kind: 'budget-exhausted', method: 'POST', message: 'budget spent', retryAfterSeconds: 2 }),
    { kind: 'retry', ambiguous: false, retryAfterMs: 2_000, reason: 'budget spent' },
  ],
  [
    '400 with field errors',
    http(400, 'POST', {
      cwMessage: 'ticket object is invalid',
      errors: [{ field: 'board', message: 'Board not found' }],
    }),
    {
      kind: 'permanent',
      reason:
        'the PSA refused POST /service/tickets (400): ticket object is invalid — board: Board not found',
    },
  ],
  [
    '404',
    http(404, 'PATCH', { path: '/service/tickets/9', cwMessage: 'Ticket not found' }),
    { kind: 'permanent', reason: 'the PSA refused PATCH /service/tickets/9 (404): Ticket not found' },
  ],
  [
    '409 without a body',
    http(409, 'POST'),
    { kind: 'permanent', reason: 'the PSA refused POST /service/tickets (409): answered 409' },
  ],
  [
    'unknown error',
    new TypeError('x is undefined'),
    { kind: 'retry', ambiguous: true, reason: 'unexpected error: x is undefined' },
  ],
  ['a thrown string', 'boom', { kind: 'retry', ambiguous: true, reason: 'unexpected error: boom' }],
  [
    "an effect's permanent error (bad payload)",
    Object.assign(new Error('ticket.note item 4 has an invalid payload'), { permanent: true }),
    { kind: 'permanent', reason: 'ticket.note item 4 has an invalid payload' },
  ],
  [
    'an effect waiting for something, nothing sent',
    Object.assign(new Error('waiting for the configuration type'), { notSent: true }),
    { kind: 'retry', ambiguous: false, reason: 'waiting for the configuration type' },
  ],
];

describe('classifyFailure', () => {
  it.each(cases)('%s', (_name, error, expected) => {
    expect(classifyFailure(error, 1)).toEqual(expected);
  });

  it('turns a retry permanent after maxAttempts, saying so', () => {
    expect(classifyFailure(http(500, 'POST'), 24)).toMatchObject({ kind: 'retry' });
    expect(classifyFailure(http(500, 'POST'), 25)).toEqual({
      kind: 'permanent',
      reason: 'gave up after 25 attempts; last error: answered 500',
    });
    expect(classifyFailure(http(429, 'POST'), 3, 3)).toMatchObject({ kind: 'permanent' });
  });

  it('never gives up on a circuit failure (nothing is lost while credentials are fixed)', () => {
    expect(classifyFailure(http(401, 'POST'), 1000)).toMatchObject({ kind: 'circuit' });
  });
});
