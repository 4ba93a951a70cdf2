// Digests, constant-time comparison and random secrets shared by both products.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

// One-shot digests: crypto.hash costs a fraction of a Hash object for the short inputs hashed on
// every request (the Authorization header, a session token).
export function sha256(input: string | Buffer): Buffer {
  return hash('sha256', input, 'buffer');
}

export function sha256Hex(input: string | Buffer): string {
  return hash('sha256', input, 'hex');
}

/** Compares two digests without leaking, through timing, where they differ. */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random string over [A-Za-z0-9], as ConnectWise's keys are. Rejection sampling keeps every
 * character uniform (62 does not divide 256), so `length` characters carry length × log2(62) bits.
 */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}
