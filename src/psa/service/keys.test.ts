import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generateKeyPair,
  PRIVATE_KEY_LENGTH,
  PUBLIC_KEY_LENGTH,
  parseBasicCredentials,
  privateKeyMatches,
} from './keys.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('API key pairs', () => {
  it('have ConnectWise-like public keys and private keys of at least 128 bits', () => {
    const pair = generateKeyPair();
    expect(pair.publicKey).toMatch(new RegExp(`^[A-Za-z0-9]{${PUBLIC_KEY_LENGTH}}$`));
    expect(pair.privateKey).toMatch(new RegExp(`^[A-Za-z0-9]{${PRIVATE_KEY_LENGTH}}$`));
    expect(PRIVATE_KEY_LENGTH * Math.log2(62)).toBeGreaterThanOrEqual(128);
    expect(pair.privateKeyDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(pair.privateKeyDigest).not.toContain(pair.privateKey);
    expect(privateKeyMatches(pair.privateKey, pair.privateKeyDigest)).toBe(true);
    expect(privateKeyMatches(`${pair.privateKey}x`, pair.privateKeyDigest)).toBe(false);
    expect(generateKeyPair().privateKey).not.toBe(pair.privateKey);
  });
});

describe('parseBasicCredentials', () => {
  it.each([
    [
      basic('training+5QBrF9Eobsojjl19:gNfvfMdPxIAPOIvB'),
      { companyId: 'training', publicKey: '5QBrF9Eobsojjl19', privateKey: 'gNfvfMdPxIAPOIvB' },
    ],
    [basic('co+pub:priv:with:colons'), { companyId: 'co', publicKey: 'pub', privateKey: 'priv:with:colons' }],
    [`basic ${Buffer.from('c+p:k').toString('base64')}`, { companyId: 'c', publicKey: 'p', privateKey: 'k' }],
  ])('parses %s', (header, expected) => {
    expect(parseBasicCredentials(header)).toEqual(expected);
  });

  it.each([
    undefined,
    '',
    'Bearer abc',
    basic('nopluspub:priv'),
    basic('+pub:priv'),
    basic('co+:priv'),
    basic('co+pub:'),
    basic('co+pub'),
    'Basic !!!',
  ])('refuses %s', (header) => {
    expect(parseBasicCredentials(header)).toBeUndefined();
  });

  it('never throws on arbitrary headers', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        parseBasicCredentials(s);
        parseBasicCredentials(basic(s));
      }),
    );
  });
});
