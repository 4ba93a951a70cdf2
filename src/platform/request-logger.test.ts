import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { lazyRequestLogger } from './request-logger.js';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

describe('lazyRequestLogger', () => {
  it('logs with the request binding, redacted like any line, only at enabled levels', () => {
    const { logger, lines } = capture('info');
    const log = lazyRequestLogger(logger, { reqId: 'r-1' }, {});
    log.debug('not at this level');
    log.info({ authorization: 'Basic secret' }, 'incoming request');
    log.error('request failed');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ reqId: 'r-1', msg: 'incoming request', authorization: '[redacted]' });
    expect(lines[1]).toMatchObject({ reqId: 'r-1', msg: 'request failed', level: 50 });
  });

  it('makes no child for a request that logs nothing, one for a request that logs', () => {
    const { logger } = capture('warn');
    let children = 0;
    const counting = Object.create(logger, {
      child: {
        value: (...args: Parameters<typeof logger.child>) => {
          children++;
          return logger.child(...args);
        },
      },
    }) as typeof logger;
    const quiet = lazyRequestLogger(counting, { reqId: 'a' }, {});
    quiet.info('below warn');
    expect(children).toBe(0);
    const loud = lazyRequestLogger(counting, { reqId: 'b' }, {});
    loud.warn('one');
    loud.warn('two');
    expect(children).toBe(1);
  });

  it('answers child() and bindings() like the child it stands for', () => {
    const { logger, lines } = capture('info');
    const log = lazyRequestLogger(logger, { reqId: 'r-2' }, {});
    expect(log.bindings()).toMatchObject({ reqId: 'r-2' });
    log.child({ part: 'x' }).info('nested');
    expect(lines[0]).toMatchObject({ reqId: 'r-2', part: 'x', msg: 'nested' });
    expect(log.level).toBe('info');
  });

  it('gives a route with its own level a child with that level', () => {
    const { logger, lines } = capture('info');
    const log = lazyRequestLogger(logger, { reqId: 'r-3' }, { level: 'error' });
    log.info('hidden');
    log.error('shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
  });
});
