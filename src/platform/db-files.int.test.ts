// The SQLite file holds the whole deployment: it, its -wal and -shm, and the folder Parasol creates
// for it are the owner's only. (PostgreSQL keeps no file of Parasol's: nothing to check there.)
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage } from './db.js';

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe('SQLite files', () => {
  it('are created 0600 (-wal and -shm too) in a data folder created 0700', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'parasol-files-')), 'data');
    const storage = await openStorage({ dataDir });
    try {
      await storage.db.selectFrom('cw_record').selectAll().execute();
      const file = path.join(dataDir, 'parasol.db');
      expect(modeOf(dataDir)).toBe(0o700);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect([f, modeOf(f)]).toEqual([f, 0o600]);
    } finally {
      await storage.close();
    }
  });

  it('left readable by others by an older version are tightened on open', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parasol-files-'));
    const file = path.join(dataDir, 'parasol.db');
    const first = await openStorage({ dataDir });
    await first.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      writeFileSync(f, '', { flag: 'a' });
      chmodSync(f, 0o644);
    }
    const storage = await openStorage({ dataDir });
    try {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect([f, modeOf(f)]).toEqual([f, 0o600]);
    } finally {
      await storage.close();
    }
  });
});
