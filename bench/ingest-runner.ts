// Child process of bench/ingest.bench.ts: one full ingest (IngestService: decompress, parse, route,
// aggregate, commit into a fresh SQLite database) of the files given, on N worker threads that are
// started first (as a running worker process has them; their start-up is reported apart). Prints one
// JSON line: rows, milliseconds of ingestPath, thread start-up milliseconds, CPU milliseconds of the
// whole process during the ingest, and the process's peak RSS (worker threads included: they share
// the process). Run as a child so its memory is its own; ingest.bench.ts bundles it the way the server
// is shipped (scripts/build-server.mjs) and runs the bundle with plain node, as `parasol` runs:
//   node dist/bench-ingest-*/ingest-runner.js <folder|file> <concurrency>
// (`node --import tsx bench/ingest-runner.ts ...` runs it from the sources, tsx's loader included.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IngestService } from '../src/console/ingest/service.js';
import { IngestStore } from '../src/console/ingest/store.js';
import { ConsoleStore } from '../src/console/store/console-store.js';
import { systemClock } from '../src/platform/clock.js';
import { openStorage } from '../src/platform/db.js';

const [location, concurrencyText] = process.argv.slice(2);
const dataDir = mkdtempSync(path.join(tmpdir(), 'parasol-bench-ingest-db-'));
const storage = await openStorage({ dataDir });
try {
  const consoleStore = new ConsoleStore(storage.db);
  const at = '2026-01-01T00:00:00Z';
  const providerId = await consoleStore.createProvider({ name: 'Bench', kind: 'MSP', at });
  const customerId = await consoleStore.createCustomer({ providerId, name: 'Bench customer', seats: 1, at });
  const service = new IngestService(new IngestStore(storage.db, storage.dialect), consoleStore, systemClock);
  await service.addBinding(providerId, customerId, { kind: 'umbrella-org', value: '1000001' }, 'bench');
  const concurrency = Number(concurrencyText ?? 1);
  const w0 = performance.now();
  await service.pool(concurrency).warm();
  const startupMs = performance.now() - w0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await service.ingestPath(providerId, location!, { concurrency });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await service.close();
  if (summary.failed > 0 || summary.ingested === 0)
    throw new Error(`ingest failed: ${JSON.stringify(summary.units)}`);
  process.stdout.write(
    `${JSON.stringify({
      rows: summary.rows,
      files: summary.ingested,
      ms,
      startupMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
} finally {
  await storage.close();
  rmSync(dataDir, { recursive: true, force: true });
}
