// Issue 18, item 3: logs a person reads are readable. `parasol start` (the real process) in a
// pseudo-terminal prints its log lines readably between the start-up text, no JSON line among them;
// with its output piped (a service, a container) every log line is JSON; LOG_FORMAT=json|pretty
// chooses either way. In every case a request whose URL carries secrets is logged with them redacted.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../scripts/build-server.mjs';
import { type Started, startParasolProcess, trustingFetch } from '../scale/support.js';

const started: Started[] = [];
afterAll(async () => {
  for (const s of started) await s.stop();
});

/** A callback URL whose path token and query token are credentials (logger.ts redactUrl). */
const SECRET_PATH = '/api/v1/psa-callbacks/1/pathS3cretT0ken?token=queryS3cret';

function isJsonObject(line: string): boolean {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null;
  } catch {
    return false;
  }
}

const PRETTY = /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /;

/**
 * Starts Parasol on an empty data folder (in a terminal or piped), asks the console for the secret
 * URL once it is ready, and returns its output as lines once that request is logged.
 */
async function startUpOutput(terminal: boolean, logFormat?: 'json' | 'pretty'): Promise<string[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parasol-log-format-'));
  const env: Record<string, string> = {
    PARASOL_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    PSA_PORT: '0',
    CONSOLE_PORT: '0',
    ...(logFormat ? { LOG_FORMAT: logFormat } : {}),
  };
  const server = startParasolProcess([], env, { terminal });
  started.push(server);
  const consoleUrl = (await server.line(/Parasol console listening on (https:\/\/[^\s]+)/, 120_000))[1]!;
  await server.line(/^Ready\. /m, 120_000);
  const fetch = trustingFetch(dataDir);
  try {
    await (await fetch(`${consoleUrl}${SECRET_PATH}`, { method: 'POST' })).text();
  } finally {
    await fetch.close();
  }
  await server.line(/request completed/);
  // Read before stopping: `script` says how it ended the session, which is not Parasol's output.
  const output = server.output();
  await server.stop();
  return stripVTControlCharacters(output).replaceAll('\r', '').split('\n');
}

function expectRedacted(lines: string[]) {
  const text = lines.join('\n');
  expect(text).not.toContain('pathS3cretT0ken');
  expect(text).not.toContain('queryS3cret');
  expect(text).toContain('/api/v1/psa-callbacks/1/[redacted]?token=[redacted]');
}

function expectPretty(lines: string[]) {
  expect(lines.filter(isJsonObject), 'JSON lines').toEqual([]);
  const logs = lines.filter((l) => PRETTY.test(l));
  expect(
    logs.some((l) => / INFO: Server listening at https:/.test(l)),
    lines.join('\n'),
  ).toBe(true);
  expect(logs.some((l) => / INFO: incoming request /.test(l))).toBe(true);
  // The start-up text is there too, between or after the log lines.
  expect(lines).toContain('  Operations:    /healthz  /readyz  /metrics on both servers');
  expectRedacted(lines);
}

function expectJson(lines: string[]) {
  expect(
    lines.filter((l) => PRETTY.test(l)),
    'readable log lines',
  ).toEqual([]);
  const logs = lines.filter(isJsonObject) as string[];
  const entries = logs.map((l) => JSON.parse(l) as { level: number; msg: string; req?: { url: string } });
  expect(entries.some((e) => e.msg.startsWith('Server listening at https:'))).toBe(true);
  const request = entries.find((e) => e.msg === 'incoming request');
  expect(request?.req?.url).toBe('/api/v1/psa-callbacks/1/[redacted]?token=[redacted]');
  // Every line that is not the start-up text is a JSON document: no stray half-formatted lines.
  const other = lines.filter(
    (l) => l !== '' && !isJsonObject(l) && !/^(Parasol |Ready\. | {2})/.test(l) && !l.startsWith('parasol:'),
  );
  expect(other).toEqual([]);
  expectRedacted(lines);
}

describe('log lines of `parasol start`', () => {
  it('in a terminal are readable: no JSON line among the start-up text', async () => {
    await buildServer({ ifStale: true, quiet: true });
    expectPretty(await startUpOutput(true));
  });

  it('piped (a service, a container) are JSON, one document a line', async () => {
    expectJson(await startUpOutput(false));
  });

  it('follow LOG_FORMAT either way', async () => {
    expectJson(await startUpOutput(true, 'json'));
    expectPretty(await startUpOutput(false, 'pretty'));
  });
});
