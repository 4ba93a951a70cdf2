import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyringError, keyringFile, loadKeyring, saveKeyring } from './keyring.js';

const dir = () => mkdtempSync(path.join(tmpdir(), 'parasol-keys-'));

describe('Keyring', () => {
  it('creates an owner-only key file on first start and reads it back', () => {
    const d = dir();
    const a = loadKeyring({ dataDir: d });
    expect(statSync(keyringFile(d)).mode & 0o777).toBe(0o600);
    const b = loadKeyring({ dataDir: d });
    expect(b.currentId).toBe(a.currentId);
    expect(b.open(a.seal('secret', 'provider:1:privateKey'), 'provider:1:privateKey')).toBe('secret');
  });

  it('binds a sealed value to its place and detects tampering', () => {
    const k = loadKeyring({ dataDir: dir() });
    const sealed = k.seal('pr1vate', 'provider:1:privateKey');
    expect(sealed).not.toContain('pr1vate');
    expect(k.keyIdOf(sealed)).toBe(k.currentId);
    expect(() => k.open(sealed, 'provider:2:privateKey')).toThrow(KeyringError);
    const parts = sealed.split(':');
    parts[3] = Buffer.from('x').toString('base64url');
    expect(() => k.open(parts.join(':'), 'provider:1:privateKey')).toThrow(KeyringError);
    expect(() => k.open('garbage', 'x')).toThrow('unknown format');
  });

  it('rotates: a new current key seals, old values still open until the old key is removed', () => {
    const d = dir();
    const old = loadKeyring({ dataDir: d });
    const sealedOld = old.seal('v', 'a');
    const rotated = saveKeyring(old.withNewKey('k2'));
    expect(rotated.currentId).toBe('k2');
    expect(rotated.open(sealedOld, 'a')).toBe('v');
    const resealed = rotated.seal(rotated.open(sealedOld, 'a'), 'a');
    const pruned = saveKeyring(rotated.without(old.currentId));
    expect(loadKeyring({ dataDir: d }).keyIds).toEqual(['k2']);
    expect(pruned.open(resealed, 'a')).toBe('v');
    expect(() => pruned.open(sealedOld, 'a')).toThrow('not in the keyring');
    expect(() => pruned.without('k2')).toThrow('current master key');
  });

  it('reads keys from the environment', () => {
    const one = randomBytes(32).toString('base64');
    expect(loadKeyring({ dataDir: dir(), envValue: one }).currentId).toBe('env');
    const two = randomBytes(32).toString('base64');
    const k = loadKeyring({ dataDir: dir(), envValue: `current=b;a=${one};b=${two}` });
    expect(k.currentId).toBe('b');
    expect(k.keyIds.sort()).toEqual(['a', 'b']);
    expect(() => loadKeyring({ dataDir: dir(), envValue: 'c2hvcnQ=' })).toThrow('32 bytes');
  });
});
