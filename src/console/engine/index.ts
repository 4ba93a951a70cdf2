// The delivery engine (CON-9): outbox, workers, failure classes, backoff, integration health, write
// rate limit and cluster-wide schedules.
export { BACKOFF_BASE_MS, BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS, retryDelay } from './backoff.js';
export { CREDENTIALS_REJECTED, classifyFailure, DEFAULT_MAX_ATTEMPTS } from './classify.js';
export { type HealthState, IntegrationHealth } from './health.js';
export { type AttemptOutcome, type EngineMetrics, engineMetrics } from './metrics.js';
export { Outbox } from './outbox.js';
export { WriteRateLimit, type WritesPerMinute } from './rate-limit.js';
export { dailyAt, every, type Schedule, Scheduler, type SchedulerOptions } from './scheduler.js';
export * from './types.js';
export { DeliveryWorker, type DeliveryWorkerOptions, type PsaClientHandle } from './worker.js';
