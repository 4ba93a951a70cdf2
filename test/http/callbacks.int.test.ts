// PSA-8 end to end: a callback registered over the REST API fires signed POSTs, sent by the running
// server's dispatcher, to a real local receiver that verifies them the way connectwise-rest does.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { utils } from 'connectwise-rest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';

interface Received {
  path: string;
  query: Record<string, string>;
  signature: string | undefined;
  contentType: string | undefined;
  raw: string;
  body: utils.CallbackTypes.CallbackPayload;
}

/** A plain HTTP server on 127.0.0.1 that records every callback it gets and answers 200. */
async function startReceiver(): Promise<{ origin: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const signature = req.headers['x-content-signature'];
      received.push({
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        signature: Array.isArray(signature) ? signature[0] : signature,
        contentType: req.headers['content-type'],
        raw,
        body: JSON.parse(raw),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(databaseKinds)('callbacks over HTTPS on %s', (db) => {
  let psa: TestPsa;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let admin: TestKey;
  let serviceBoard: number;
  let securityBoard: number;

  // Content-Type on every request, also on the body-less DELETE, as pyconnectwise sends it.
  const headers = () => ({
    authorization: admin.authorization,
    clientId: psa.clientId,
    'content-type': 'application/json',
  });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await psa.fetch(`${psa.apiBase}${path}`, {
      method,
      headers: headers(),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  /** Waits for the callback matching `pick` (the dispatcher polls every 500 ms with the real clock). */
  const arrival = async (pick: (r: Received) => boolean): Promise<Received> => {
    await expect.poll(() => receiver.received.some(pick), { timeout: 10_000, interval: 25 }).toBe(true);
    return receiver.received.find(pick)!;
  };
  /** Checks the signature with connectwise-rest, using the key fetched from Metadata.key_url. */
  const verify = async (r: Received) => {
    const keyRes = await psa.fetch(r.body.Metadata.key_url, { headers: headers() });
    expect(keyRes.status).toBe(200);
    const { signing_key } = (await keyRes.json()) as { signing_key: string };
    expect(signing_key).toEqual(expect.any(String));
    expect(r.signature).toEqual(expect.any(String));
    expect(utils.Callback.verifyMessage(r.body, r.signature!, signing_key)).toBe(true);
    expect(utils.Callback.verifyMessage(r.body, r.signature!, `${signing_key}-wrong`)).toBe(false);
  };

  beforeAll(async () => {
    [psa, receiver] = await Promise.all([startTestPsa({ db }), startReceiver()]);
    admin = await psa.adminKey();
    const boards = await api('GET', '/service/boards?pageSize=100');
    const byName = new Map((boards.json as Array<{ id: number; name: string }>).map((b) => [b.name, b.id]));
    serviceBoard = byName.get('Service Board')!;
    securityBoard = byName.get('Security Operations')!;
    expect(serviceBoard).toEqual(expect.any(Number));
    expect(securityBoard).toEqual(expect.any(Number));
  });
  afterAll(async () => {
    await psa?.close();
    await receiver?.close();
  });

  it('sends signed added/updated/deleted callbacks for a ticket, and respects the board level', async () => {
    const owner = await api('POST', '/system/callbacks', {
      description: 'all tickets',
      url: `${receiver.origin}/owner?recordId=`,
      objectId: 1,
      type: 'ticket',
      level: 'owner',
    });
    expect(owner.status).toBe(201);
    const board = await api('POST', '/system/callbacks', {
      description: 'security board tickets',
      url: `${receiver.origin}/board?recordId=`,
      objectId: securityBoard,
      type: 'ticket',
      level: 'board',
    });
    expect(board.status).toBe(201);

    const created = await api('POST', '/service/tickets', {
      summary: 'Callback test ticket',
      company: { identifier: 'AcmeCorp' },
      board: { id: serviceBoard },
    });
    expect(created.status).toBe(201);
    const ticketId = created.json.id as number;

    const added = await arrival((r) => r.path === '/owner' && r.query.action === 'added');
    expect(added.query).toEqual({ recordId: String(ticketId), action: 'added', id: String(ticketId) });
    expect(added.contentType).toBe('application/json');
    expect(added.body).toEqual({
      Action: 'added',
      CompanyId: psa.companyId,
      Entity: expect.any(String),
      FromUrl: `${psa.apiBase}/service/tickets/${ticketId}`,
      ID: ticketId,
      MemberId: 'admin',
      Metadata: { key_url: expect.stringMatching(/\/system\/callbacks\/signingKeys\/\d+$/) },
      Type: 'ticket',
    });
    expect(added.body.Metadata.key_url.startsWith(`${psa.apiBase}/`)).toBe(true);
    expect(JSON.parse(added.body.Entity)).toMatchObject({
      id: ticketId,
      summary: 'Callback test ticket',
      board: { id: serviceBoard },
      company: { identifier: 'AcmeCorp' },
    });
    await verify(added);

    const patched = await api('PATCH', `/service/tickets/${ticketId}`, [
      { op: 'replace', path: 'summary', value: 'Callback test ticket (edited)' },
    ]);
    expect(patched.status).toBe(200);
    const updated = await arrival((r) => r.path === '/owner' && r.query.action === 'updated');
    expect(updated.query).toEqual({ recordId: String(ticketId), action: 'updated', id: String(ticketId) });
    expect(updated.body).toMatchObject({ Action: 'updated', Type: 'ticket', ID: ticketId });
    expect(JSON.parse(updated.body.Entity)).toMatchObject({ summary: 'Callback test ticket (edited)' });
    await verify(updated);

    const removed = await api('DELETE', `/service/tickets/${ticketId}`);
    expect(removed.status).toBe(204);
    const deleted = await arrival((r) => r.path === '/owner' && r.query.action === 'deleted');
    expect(deleted.query).toEqual({ recordId: String(ticketId), action: 'deleted', id: String(ticketId) });
    expect(deleted.body).toMatchObject({ Action: 'deleted', Type: 'ticket', ID: ticketId });
    expect(JSON.parse(deleted.body.Entity)).toMatchObject({ id: ticketId });
    await verify(deleted);

    // A ticket on the security board reaches the board-level callback (and the owner one) …
    const secured = await api('POST', '/service/tickets', {
      summary: 'Security board ticket',
      company: { identifier: 'AcmeCorp' },
      board: { id: securityBoard },
    });
    expect(secured.status).toBe(201);
    const onBoard = await arrival((r) => r.path === '/board' && r.body.ID === secured.json.id);
    expect(onBoard.body).toMatchObject({ Action: 'added', Type: 'ticket' });
    await verify(onBoard);
    await arrival((r) => r.path === '/owner' && r.body.ID === secured.json.id);

    // … while nothing of the service-board ticket ever did: no request, and no delivery queued.
    expect(receiver.received.filter((r) => r.path === '/board' && r.body.ID === ticketId)).toEqual([]);
    // The receiver has the request before the dispatcher records the answer: wait for the record.
    await vi.waitFor(
      async () => {
        const queuedForBoard = await psa.running.storage.db
          .selectFrom('psa_callback_delivery')
          .select(['body', 'status'])
          .where('callback_id', '=', board.json.id as number)
          .execute();
        expect(queuedForBoard.map((d) => JSON.parse(d.body).ID)).toEqual([secured.json.id]);
        expect(queuedForBoard.map((d) => d.status)).toEqual(['delivered']);
      },
      { timeout: 5000, interval: 50 },
    );
    // Each change was delivered exactly once to the owner-level callback.
    expect(receiver.received.filter((r) => r.path === '/owner').map((r) => r.body.Action)).toEqual([
      'added',
      'updated',
      'deleted',
      'added',
    ]);
  });
});
