// Transport and trust (docs/security.md): a provider's ConnectWise client trusts the public roots
// plus the CA its own settings name, never the deployment's certificate by default; the built-in
// certificate is a leaf, so its key signs nothing else anyone accepts; a PSA answering plain HTTP is
// named as such; links never echo the request's Host; callback tokens never reach the logs.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIX } from '../../src/console/preflight/run.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';

const HOSTILE = 'evil.example';

/** A certificate for `host` issued in the name of `issuerPem` and signed with `issuerKeyPem`. */
function forge_certificate(issuerPem: string, issuerKeyPem: string, host: string) {
  const issuer = forge.pki.certificateFromPem(issuerPem);
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '0badc0de';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: host }]);
  cert.setIssuer(issuer.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: host }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(issuerKeyPem), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** Whether a TLS client trusting only `ca` accepts the server at `port` as `servername`. */
function accepted(port: number, servername: string, ca: string): Promise<boolean | string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca: [ca] }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe.each(databaseKinds)('transport and trust on %s', (db) => {
  let psa: TestPsa;
  let key: TestKey;
  let admin: TestKey;
  let plain: http.Server;
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    key = await psa.apiMemberWithKey('umb-transport', ARTICLE_ROLE);
    admin = await psa.adminKey();
    plain = http.createServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    plain?.close();
    await insecure.close();
    await psa?.close();
  });

  const provider = async (name: string) =>
    (await psa.running.console.services.accounts.createProvider({ name, kind: 'MSP' }, 'test')).id;
  const saveIntegration = (providerId: number, extra: Record<string, unknown>) =>
    psa.running.console.services.integration.save(
      providerId,
      {
        enabled: true,
        site: psa.hostPort,
        companyId: psa.companyId,
        clientId: psa.clientId,
        publicKey: key.publicKey,
        privateKey: key.privateKey,
        ...extra,
      },
      'test',
    );
  const failedFixes = (view: Awaited<ReturnType<typeof saveIntegration>>) =>
    (view.preflight?.steps ?? []).filter((s) => s.status === 'fail').map((s) => s.fix);

  it("trusts the built-in PSA's certificate only for a provider whose settings name it", async () => {
    const trusting = await saveIntegration(await provider('Trusting MSP'), { trustedCa: psa.ca });
    expect(trusting.preflight?.ok).toBe(true);
    const other = await saveIntegration(await provider('Other MSP'), {});
    expect(other.preflight?.ok).toBe(false);
    expect(failedFixes(other)).toEqual([FIX.tls]);
  });

  it("accepts nothing else signed with the server's key, for any host", async () => {
    const keyPem = readFileSync(path.join(psa.dataDir, 'tls', 'key.pem'), 'utf8');
    const forged = forge_certificate(psa.ca, keyPem, HOSTILE);
    const server = tls.createServer({ cert: forged.cert, key: forged.key }, (s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      // Trusting the built-in certificate is trusting that one certificate: it may sign nothing.
      expect(await accepted(port, HOSTILE, psa.ca)).not.toBe(true);
      // The built-in PSA itself is accepted with the same trust.
      expect(await accepted(Number(new URL(psa.origin).port), 'localhost', psa.ca)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('names plain HTTP on an HTTPS port as the cause, not the certificate', async () => {
    const id = await provider('Plain MSP');
    const view = await saveIntegration(id, {
      site: `127.0.0.1:${(plain.address() as AddressInfo).port}`,
      trustedCa: psa.ca,
    });
    expect(view.preflight?.ok).toBe(false);
    const fixes = failedFixes(view);
    expect(fixes).toEqual([FIX.plainHttp]);
    expect(fixes.join(' ')).not.toContain('certificate');
  });

  it("never echoes the request's Host header in Link headers, _info hrefs, companyinfo or OpenAPI", async () => {
    const origin = psa.origin;
    const get = async (url: string, headers: Record<string, string> = {}) => {
      const r = await request(url, { dispatcher: insecure, headers: { ...headers, host: HOSTILE } });
      return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
    };
    const auth = { authorization: admin.authorization, clientid: psa.clientId };
    const list = await get(`${psa.apiBase}/company/companies?pageSize=1`, auth);
    expect(list.status).toBe(200);
    expect(String(list.headers.link)).toContain(`<${psa.apiBase}/company/companies?`);
    expect(String(list.headers.link)).not.toContain(HOSTILE);
    expect(list.text).not.toContain(HOSTILE);
    const ticket = await get(`${psa.apiBase}/service/tickets/123456`, auth);
    expect(ticket.status).toBe(200);
    expect(ticket.text).toMatch(/_href":"https:\/\/127\.0\.0\.1:\d+\/v4_6_release\/apis\/3\.0\//);
    expect(ticket.text).not.toContain(HOSTILE);
    const forward = await get(`${psa.apiBase}/company/companies?pageSize=1&pageId=0`, auth);
    expect(String(forward.headers.link)).not.toContain(HOSTILE);

    const info = await get(`${origin}/login/companyinfo/${psa.companyId}`);
    expect(info.status).toBe(200);
    expect(JSON.parse(info.text).SiteUrl).toBe(psa.hostPort);

    const openapi = await get(`${origin}/openapi.json`);
    expect(openapi.text).toContain(psa.apiBase);
    expect(openapi.text).not.toContain(HOSTILE);

    // The console builds no URL from the Host header either.
    for (const p of ['/api/v1/openapi.json', '/api/v1/session', '/']) {
      const r = await get(`${psa.running.console.url}${p}`);
      expect(JSON.stringify(r.headers) + r.text).not.toContain(HOSTILE);
    }
  });

  it('keeps callback tokens out of the request log', async () => {
    const token = 'CallbackTokenNeverLogged0123456789abcdef';
    const r = await request(`${psa.running.console.url}/api/v1/psa-callbacks/1/${token}?recordId=5`, {
      method: 'POST',
      dispatcher: insecure,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await r.body.text();
    const logs = psa.logs();
    expect(logs).toContain('/api/v1/psa-callbacks/1/[redacted]?recordId=5');
    expect(logs).not.toContain(token);
  });
});
