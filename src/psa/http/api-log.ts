// API Logs (PSA-3): one row per call made with a member's key — method, path, status, duration,
// never a key. Rows are buffered and written in batches so logging costs no round trip per request.
import type { Logger } from '../../platform/logger.js';
import type { ApiLogRow, SecurityStore } from '../store/security.js';

export class ApiLogWriter {
  private buffer: Omit<ApiLogRow, 'id'>[] = [];
  private lastUsed = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly security: SecurityStore,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
    private readonly maxBuffer = 500,
  ) {}

  add(entry: Omit<ApiLogRow, 'id'>): void {
    this.buffer.push(entry);
    if (entry.keyId !== null) this.lastUsed.set(entry.keyId, entry.at);
    if (this.buffer.length >= this.maxBuffer) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    const used = this.lastUsed;
    this.buffer = [];
    this.lastUsed = new Map();
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.security.addApiLogs(batch);
        await this.security.touchKeys(used);
      } catch (e) {
        this.logger.error({ err: e, rows: batch.length }, 'could not write API logs');
      }
    });
    return this.flushing;
  }
}
