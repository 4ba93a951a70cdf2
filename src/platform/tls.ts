// TLS material for the HTTPS servers: the configured certificate, or a self-signed one generated on
// first start and kept under the data folder (key file readable by the owner only).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** Where the certificate lives, so clients can be told to trust it. */
  certFile: string;
  generated: boolean;
}

export function loadOrCreateTls(options: {
  dataDir: string;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  hostnames?: string[];
}): TlsMaterial {
  if (options.certFile && options.keyFile) {
    return {
      cert: readFileSync(options.certFile, 'utf8'),
      key: readFileSync(options.keyFile, 'utf8'),
      certFile: options.certFile,
      generated: false,
    };
  }
  const dir = path.join(options.dataDir, 'tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return {
      cert: readFileSync(certFile, 'utf8'),
      key: readFileSync(keyFile, 'utf8'),
      certFile,
      generated: false,
    };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const names = ['localhost', ...(options.hostnames ?? [])];
  const altNames = [
    ...[...new Set(names)].map((value) =>
      /^[\d.]+$|:/.test(value) ? { type: 7, ip: value } : { type: 2, value },
    ),
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  // Loaded only to make a certificate (node-forge is large): selfsigned is CommonJS, so a plain require.
  const selfsigned = createRequire(import.meta.url)('selfsigned') as typeof import('selfsigned');
  const pems = selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    days: 825,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(certFile, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private, certFile, generated: true };
}
