// API key material (PSA-3): ConnectWise-style 16-character public keys, and private keys of 32
// characters over [A-Za-z0-9] (~190 bits, well above the 112 bits that allow a fast hash), stored
// only as a SHA-256 digest and compared in constant time.
import { digestsEqual, randomAlphanumeric, sha256, sha256Hex } from '../../platform/crypto.js';
import { textProblem } from '../../platform/input-guard.js';

export const PUBLIC_KEY_LENGTH = 16;
export const PRIVATE_KEY_LENGTH = 32;

export function generateKeyPair(): { publicKey: string; privateKey: string; privateKeyDigest: string } {
  const publicKey = randomAlphanumeric(PUBLIC_KEY_LENGTH);
  const privateKey = randomAlphanumeric(PRIVATE_KEY_LENGTH);
  return { publicKey, privateKey, privateKeyDigest: sha256Hex(privateKey) };
}

export function privateKeyMatches(privateKey: string, digestHex: string): boolean {
  return digestsEqual(sha256(privateKey), Buffer.from(digestHex, 'hex'));
}

export interface BasicCredentials {
  companyId: string;
  publicKey: string;
  privateKey: string;
}

/** Parses `Basic base64(companyId+publicKey:privateKey)`; undefined when it is not that shape. */
export function parseBasicCredentials(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  // A NUL would reach the key lookup, which PostgreSQL refuses: such a header is simply malformed.
  if (textProblem(decoded)) return undefined;
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const privateKey = decoded.slice(colon + 1);
  const plus = user.indexOf('+');
  if (plus <= 0 || plus === user.length - 1 || privateKey === '') return undefined;
  return { companyId: user.slice(0, plus), publicKey: user.slice(plus + 1), privateKey };
}
