// Fastify gives every request a child logger bound to its id (`reqId`), and pino's child() renders
// those bindings through the redaction rules at once: on the PSA's API that was a few microseconds
// of every request, spent even when nothing about the request is logged at the configured level.
// The logger made here is the same child, made on the first line the request actually logs. Lines
// below the level stay the parent's no-ops; what is logged carries `reqId` exactly as before.
import type { Logger } from './logger.js';

type LevelMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const LEVEL_METHODS: LevelMethod[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

interface LazyState {
  parent: Logger;
  bindings: Record<string, unknown>;
  child?: Logger;
}

const STATE = Symbol('lazyRequestLogger');
type Lazy = Logger & { [STATE]: LazyState };

function materialize(lazy: Lazy): Logger {
  const state = lazy[STATE];
  state.child ??= state.parent.child(state.bindings);
  return state.child;
}

/** One prototype per parent logger: the parent's properties, level methods that make the child. */
const prototypes = new WeakMap<Logger, object>();

function prototypeOf(parent: Logger): object {
  let proto = prototypes.get(parent);
  if (proto) return proto;
  proto = Object.create(parent) as object;
  for (const method of LEVEL_METHODS) {
    Object.defineProperty(proto, method, {
      value(this: Lazy, ...args: unknown[]) {
        const state = this[STATE];
        if (!state.child && !state.parent.isLevelEnabled(method)) return;
        (materialize(this)[method] as (...a: unknown[]) => void)(...args);
      },
    });
  }
  Object.defineProperty(proto, 'child', {
    value(this: Lazy, ...args: Parameters<Logger['child']>) {
      return materialize(this).child(...args);
    },
  });
  Object.defineProperty(proto, 'bindings', {
    value(this: Lazy) {
      return materialize(this).bindings();
    },
  });
  prototypes.set(parent, proto);
  return proto;
}

/**
 * Fastify's `childLoggerFactory`: the request's child logger, made when first used. A route with
 * its own log level or serializers gets pino's child at once (its level methods differ from the
 * parent's).
 */
export function lazyRequestLogger(
  parent: Logger,
  bindings: Record<string, unknown>,
  options: { level?: string; serializers?: unknown },
): Logger {
  if (options.level !== undefined || options.serializers !== undefined)
    return parent.child(bindings, options as Parameters<Logger['child']>[1]) as unknown as Logger;
  const lazy = Object.create(prototypeOf(parent)) as Lazy;
  lazy[STATE] = { parent, bindings };
  return lazy;
}
