// Ingestion of files (CON-5 a, CON-6) composed on top of the console's services: built once per
// ConsoleServices; the route table and the CLI reach it through `ingestion`.
import { delivery } from '../delivery/index.js';
import type { ConsoleServices } from '../service/services.js';
import { IngestService } from './service.js';
import { IngestStore } from './store.js';

const built = new WeakMap<ConsoleServices, IngestService>();

export function ingestion(services: ConsoleServices): IngestService {
  let service = built.get(services);
  if (!service) {
    service = new IngestService(
      // Each committed unit runs the ticket decisions in its transaction and wakes the delivery workers.
      new IngestStore(services.storage.db, services.storage.dialect, delivery(services).commitHooks),
      services.store,
      services.clock,
    );
    built.set(services, service);
  }
  return service;
}

export type { IngestOptions, IngestProgress, IngestSummary, UnitReport } from './service.js';
export { IngestService } from './service.js';
export { IngestStore } from './store.js';
