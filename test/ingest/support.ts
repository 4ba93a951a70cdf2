// Shared set-up of the ingestion tests: a provider with customers and bindings on a test database,
// an IngestService, and folders of generated Umbrella DNS logs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { umbrellaKey, umbrellaLines, writeLines } from '../../src/console/ingest/generate.js';
import { IngestService } from '../../src/console/ingest/service.js';
import { IngestStore } from '../../src/console/ingest/store.js';
import { ConsoleStore } from '../../src/console/store/console-store.js';
import { systemClock } from '../../src/platform/clock.js';
import type { Storage } from '../../src/platform/db.js';

export const ORG_A = '1000001';
export const ORG_B = '1000002';

export interface World {
  storage: Storage;
  consoleStore: ConsoleStore;
  store: IngestStore;
  service: IngestService;
  providerId: number;
  /** Bound to ORG_A by org id. */
  alpha: number;
  /** Bound to the folder prefix 'beta-logs/'. */
  beta: number;
}

/** A provider 'Acme' with customers alpha (umbrella-org ORG_A) and beta (folder-prefix beta-logs/). */
export async function makeWorld(storage: Storage): Promise<World> {
  const consoleStore = new ConsoleStore(storage.db);
  const at = '2026-01-01T00:00:00Z';
  const providerId = await consoleStore.createProvider({ name: 'Acme', kind: 'MSP', at });
  const alpha = await consoleStore.createCustomer({ providerId, name: 'Alpha', seats: 10, at });
  const beta = await consoleStore.createCustomer({ providerId, name: 'Beta', seats: 10, at });
  const store = new IngestStore(storage.db, storage.dialect);
  const service = new IngestService(store, consoleStore, systemClock);
  await service.addBinding(providerId, alpha, { kind: 'umbrella-org', value: ORG_A }, 'test');
  await service.addBinding(providerId, beta, { kind: 'folder-prefix', value: 'beta-logs/' }, 'test');
  return { storage, consoleStore, store, service, providerId, alpha, beta };
}

export function tempDir(prefix = 'parasol-ingest-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * Writes `files` gzipped DNS log files of `rows` rows under `<root>/<folder>/dnslogs/…`, one hour
 * apart, rows alternating between the given org ids; few enough domains that top lists are exact.
 */
export async function writeLogFiles(
  root: string,
  o: { files: number; rows: number; folder?: string; orgIds?: string[]; seed?: number; day?: number },
): Promise<string[]> {
  const written: string[] = [];
  for (let i = 0; i < o.files; i++) {
    const start = Date.UTC(2026, 0, o.day ?? 5, i % 24, 0, 0);
    const key = umbrellaKey(o.folder ?? ORG_A, start, `f${String(i).padStart(3, '0')}`);
    written.push(
      await writeLines(
        path.join(root, key),
        umbrellaLines({
          rows: o.rows,
          seed: (o.seed ?? 1) * 1000 + i,
          startMs: start,
          spanMs: 3600_000,
          orgIds: o.orgIds ?? [ORG_A],
          identities: 40,
          domains: 60,
        }),
      ),
    );
  }
  return written;
}
