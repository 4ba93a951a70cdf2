import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';

describe.each(databaseKinds)('PSA over HTTPS on %s', (db) => {
  let psa: TestPsa;
  beforeAll(async () => {
    psa = await startTestPsa({ db });
  });
  afterAll(async () => psa?.close());

  it('serves the seeded ticket to the article role and refuses agreements', async () => {
    const key = await psa.apiMemberWithKey('umbrella', ARTICLE_ROLE);
    const headers = { authorization: key.authorization, clientId: psa.clientId };
    const ticket = await psa.fetch(`${psa.apiBase}/service/tickets/123456`, { headers });
    expect(ticket.status).toBe(200);
    expect(await ticket.json()).toMatchObject({ id: 123456, summary: expect.any(String) });
    const agreements = await psa.fetch(`${psa.apiBase}/finance/agreements`, { headers });
    expect(agreements.status).toBe(403);
    expect(await agreements.json()).toMatchObject({
      code: 'Forbidden',
      message: expect.stringContaining('Agreements'),
    });
  });
});
