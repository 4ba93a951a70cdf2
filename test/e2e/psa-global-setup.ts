// Vitest global setup of the integration tests: the browser tests need the admin UI bundle, built
// from the current sources (a no-op when it is up to date).
import { buildWeb } from '../../web/build.js';

export default async function setup(): Promise<void> {
  await buildWeb({ quiet: true });
}
