// Secrets at rest (CON-3, X-6): AES-256-GCM under a keyring of master keys. Every sealed value
// records the id of the key that sealed it and is bound, through GCM's associated data, to where it
// belongs (e.g. provider 7, field privateKey), so a value copied to another row does not decrypt.
// The keyring comes from PARASOL_MASTER_KEYS, or from a file created on first start (mode 0600).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}

const fileSchema = z.object({
  current: z.string().min(1),
  keys: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,40}$/), z.string()),
});

export class Keyring {
  private readonly keys: Map<string, Buffer>;

  constructor(
    keys: Map<string, Buffer>,
    readonly currentId: string,
    /** Where the keyring lives, when it came from a file. */
    readonly file?: string,
  ) {
    for (const [id, key] of keys) {
      if (key.length !== KEY_BYTES)
        throw new KeyringError(`master key '${id}' must be ${KEY_BYTES} bytes (base64 of 32 random bytes)`);
    }
    if (!keys.has(currentId))
      throw new KeyringError(`the current master key '${currentId}' is not in the keyring`);
    this.keys = keys;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** `v1:<keyId>:<iv>:<ciphertext>:<tag>` (base64url parts). */
  seal(plaintext: string, associatedData: string): string {
    const key = this.keys.get(this.currentId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.currentId,
      iv.toString('base64url'),
      ct.toString('base64url'),
      tag.toString('base64url'),
    ].join(':');
  }

  open(sealed: string, associatedData: string): string {
    const parts = sealed.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION)
      throw new KeyringError('sealed value has an unknown format');
    const [, keyId, iv, ct, tag] = parts as [string, string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) throw new KeyringError(`sealed with master key '${keyId}', which is not in the keyring`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new KeyringError('sealed value does not decrypt here (wrong key, wrong place, or tampered)');
    }
  }

  keyIdOf(sealed: string): string | undefined {
    const parts = sealed.split(':');
    return parts[0] === VERSION ? parts[1] : undefined;
  }

  /** A keyring with a fresh current key added (the old keys stay until removed). */
  withNewKey(id = newKeyId()): Keyring {
    const keys = new Map(this.keys);
    keys.set(id, randomBytes(KEY_BYTES));
    return new Keyring(keys, id, this.file);
  }

  without(id: string): Keyring {
    if (id === this.currentId) throw new KeyringError('the current master key cannot be removed');
    const keys = new Map(this.keys);
    keys.delete(id);
    return new Keyring(keys, this.currentId, this.file);
  }

  toFileContent(): string {
    const keys: Record<string, string> = {};
    for (const [id, key] of this.keys) keys[id] = key.toString('base64');
    return `${JSON.stringify({ current: this.currentId, keys }, null, 2)}\n`;
  }
}

function newKeyId(): string {
  return `k${new Date()
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14)}${randomBytes(2).toString('hex')}`;
}

export function keyringFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'master-keys.json');
}

/**
 * PARASOL_MASTER_KEYS=`current=id1;id1=<base64>;id2=<base64>` (or just `<base64>` for one key)
 * wins over the file; otherwise the file under the data folder is read, or created on first start.
 */
export function loadKeyring(options: { dataDir: string; envValue?: string | undefined }): Keyring {
  if (options.envValue) return parseEnvKeyring(options.envValue);
  const file = keyringFile(options.dataDir);
  if (!existsSync(file)) {
    const id = newKeyId();
    return saveKeyring(new Keyring(new Map([[id, randomBytes(KEY_BYTES)]]), id, file));
  }
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new KeyringError(`master key file ${file} is not valid: ${(e as Error).message}`);
  }
  const keys = new Map(Object.entries(parsed.keys).map(([id, b64]) => [id, Buffer.from(b64, 'base64')]));
  return new Keyring(keys, parsed.current, file);
}

function parseEnvKeyring(value: string): Keyring {
  if (!value.includes('=') || /^[A-Za-z0-9+/]+=*$/.test(value)) {
    return new Keyring(new Map([['env', Buffer.from(value, 'base64')]]), 'env');
  }
  const keys = new Map<string, Buffer>();
  let current = '';
  for (const part of value
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq);
    const v = part.slice(eq + 1);
    if (name === 'current') current = v;
    else keys.set(name, Buffer.from(v, 'base64'));
  }
  return new Keyring(keys, current || [...keys.keys()][0] || '');
}

/** Writes the keyring file atomically with owner-only permissions. */
export function saveKeyring(keyring: Keyring): Keyring {
  if (!keyring.file)
    throw new KeyringError('this keyring comes from the environment; update PARASOL_MASTER_KEYS instead');
  mkdirSync(path.dirname(keyring.file), { recursive: true, mode: 0o700 });
  const tmp = `${keyring.file}.tmp`;
  writeFileSync(tmp, keyring.toFileContent(), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, keyring.file);
  return keyring;
}
