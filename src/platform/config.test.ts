import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has an embedded default: SQLite under ./data, HTTPS on 8443', () => {
    const c = loadConfig({});
    expect(c.dataDir).toBe('./data');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.psa).toMatchObject({
      port: 8443,
      allowHttp: false,
      companyId: 'parasol',
      codebase: 'v4_6_release',
    });
  });

  it('reads the environment', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@h/db',
      PSA_PORT: '9443',
      PSA_ALLOW_HTTP: 'true',
      LOG_LEVEL: 'warn',
    });
    expect(c.databaseUrl).toBe('postgres://u@h/db');
    expect(c.psa.port).toBe(9443);
    expect(c.psa.allowHttp).toBe(true);
    expect(c.logLevel).toBe('warn');
  });

  it.each([
    [{ PSA_PORT: 'eighty' }, 'psa.port'],
    [{ PSA_PORT: '70000' }, 'psa.port'],
    [{ DATABASE_URL: 'mysql://x' }, 'databaseUrl'],
    [{ LOG_LEVEL: 'loud' }, 'logLevel'],
    [{ PSA_ALLOW_HTTP: 'maybe' }, 'psa.allowHttp'],
    [{ PARASOL_CONFIG: '/nonexistent/parasol.json' }, 'configuration file'],
  ])('names what is wrong in %o', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
