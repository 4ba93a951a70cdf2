// Vitest global setup of the integration tests: the browser tests need the admin UI bundle, and the
// tests that spawn `bin/parasol.js` run the compiled server, both built from the current sources (a
// no-op when they are up to date).
import { buildServer } from '../../scripts/build-server.mjs';
import { buildWeb } from '../../web/build.js';

export default async function setup(): Promise<void> {
  await buildServer({ ifStale: true, quiet: true });
  await buildWeb({ quiet: true });
}
