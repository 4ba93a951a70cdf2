// Ingestion of files (CON-5 a, CON-6) composed on top of the console's services: built once per
// ConsoleServices; the route table and the CLI reach it through `ingestion`.
import type { ConsoleServices } from '../service/services.js';
import { IngestService } from './service.js';
import { IngestStore } from './store.js';

const built = new WeakMap<ConsoleServices, IngestService>();

export function ingestion(services: ConsoleServices): IngestService {
  let service = built.get(services);
  if (!service) {
    service = new IngestService(
      new IngestStore(services.storage.db, services.storage.dialect),
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
