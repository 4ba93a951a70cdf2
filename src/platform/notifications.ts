// Wake-ups between processes on PostgreSQL (LISTEN/NOTIFY): a process that commits work for others
// (an outbox row) notifies a channel in the same transaction, and every process listening on it hears
// of it once the transaction commits. Listeners use one connection per process of their own, opened
// on first use and opened again after it is lost; while it is down `listening` is false and callers
// fall back to polling often. SQLite has no such thing (one process, or polling).
import type pg from 'pg';

export interface Notifications {
  /** Calls `onNotify` for each notification on `channel`; the returned function stops it. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** True while notifications arrive (the listening connection is up and listens). */
  readonly listening: boolean;
  close(): Promise<void>;
}

/** How long after losing its connection the listener connects again. */
const RECONNECT_MS = 1_000;

const quoted = (channel: string) => `"${channel.replaceAll('"', '""')}"`;

export function postgresNotifications(Client: typeof pg.Client, connectionString: string): Notifications {
  const handlers = new Map<string, Set<() => void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client | undefined> | undefined;
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const lost = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    listening = false;
    c.end().catch(() => undefined);
    if (!closed && handlers.size > 0) {
      retry = setTimeout(() => void connect(), RECONNECT_MS);
      retry.unref();
    }
  };

  const connect = (): Promise<pg.Client | undefined> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const c = new Client({ connectionString });
      c.on('error', () => lost(c));
      c.on('end', () => lost(c));
      c.on('notification', (n) => {
        for (const h of handlers.get(n.channel) ?? []) h();
      });
      try {
        await c.connect();
        for (const channel of handlers.keys()) await c.query(`LISTEN ${quoted(channel)}`);
        if (closed) {
          await c.end();
          return undefined;
        }
        client = c;
        listening = true;
        // Work committed while nobody listened was not heard of: every handler looks now.
        for (const set of handlers.values()) for (const h of set) h();
        return c;
      } catch {
        c.end().catch(() => undefined);
        if (!closed) {
          retry = setTimeout(() => void connect(), RECONNECT_MS);
          retry.unref();
        }
        return undefined;
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  };

  return {
    get listening() {
      return listening;
    },
    async listen(channel, onNotify) {
      let set = handlers.get(channel);
      const first = !set;
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
      }
      set.add(onNotify);
      if (client && first) await client.query(`LISTEN ${quoted(channel)}`).catch(() => lost(client!));
      else if (!client) await connect();
      return async () => {
        set.delete(onNotify);
        if (set.size > 0) return;
        handlers.delete(channel);
        await client?.query(`UNLISTEN ${quoted(channel)}`).catch(() => undefined);
      };
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      listening = false;
      const c = client ?? (await connecting);
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
