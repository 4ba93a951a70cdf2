// Runs the ConnectWiseApi contract against the in-memory fake and against the real client talking
// HTTPS to Parasol's PSA (admin key, the PSA's self-signed certificate trusted through `ca`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConnectWiseClient } from '../../src/console/psa-client/client.js';
import { FakeConnectWise } from '../../src/console/psa-client/fake.js';
import { startTestPsa } from '../support/psa-server.js';
import { describeConnectWiseContract } from './connectwise-api.contract.js';

describeConnectWiseContract('FakeConnectWise', async () => ({
  api: new FakeConnectWise({
    seed: {
      '/service/boards': [{ id: 1, name: 'Service Board' }],
      '/service/boards/1/statuses': [{ id: 1, name: 'New', defaultFlag: true }],
      '/service/priorities': [{ id: 1, name: 'Priority 3 - Normal Response', color: 'Green' }],
    },
  }),
  cleanup: async () => {},
}));

describeConnectWiseContract("ConnectWiseClient against Parasol's PSA", async () => {
  const psa = await startTestPsa({ db: 'sqlite' });
  const key = await psa.adminKey();
  const client = new ConnectWiseClient({
    site: psa.hostPort,
    companyId: psa.companyId,
    publicKey: key.publicKey,
    privateKey: key.privateKey,
    clientId: psa.clientId,
    ca: readFileSync(path.join(psa.dataDir, 'tls', 'cert.pem'), 'utf8'),
  });
  return {
    api: client,
    async cleanup() {
      await client.close();
      await psa.close();
    },
  };
});
