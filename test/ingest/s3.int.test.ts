// Ingestion from an S3-compatible bucket (s3rver on loopback, AWS SDK v3), with the per-folder
// cursor: a second run lists only the keys after it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/console/ingest/s3.js';
import { databaseKinds, openTestStorage } from '../support/databases.js';
import { makeWorld, ORG_A, tempDir, writeLogFiles } from './support.js';

const BUCKET = 'umbrella-logs';
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
let server: S3rver;
let endpoint: string;

beforeAll(async () => {
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: tempDir('parasol-s3rver-'),
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  // s3rver's fixed credentials, read by the SDK's standard chain (here and in the worker threads).
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
});

afterAll(async () => {
  await server.close();
  for (const [name, value] of [
    ['AWS_ACCESS_KEY_ID', saved.id],
    ['AWS_SECRET_ACCESS_KEY', saved.secret],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function upload(root: string, files: string[], under: string): Promise<string[]> {
  const client = createS3Client({ endpoint });
  try {
    const keys: string[] = [];
    for (const f of files) {
      const key = `${under}${path.relative(root, f).split(path.sep).join('/')}`;
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(f) }));
      keys.push(key);
    }
    return keys;
  } finally {
    client.destroy();
  }
}

async function put(key: string, body: string): Promise<void> {
  const client = createS3Client({ endpoint });
  try {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
}

describe.each(databaseKinds)('S3 ingestion on %s', (kind) => {
  it('ingests the DNS logs under a prefix on worker threads, then only the keys after the cursor', async () => {
    const w = await makeWorld(await openTestStorage(kind));
    try {
      const prefix = `${kind}/`;
      const root = tempDir();
      const first = await writeLogFiles(root, { files: 3, rows: 800, orgIds: [ORG_A] });
      const beta = await writeLogFiles(root, {
        files: 1,
        rows: 400,
        folder: 'beta-logs',
        orgIds: ['999'],
        seed: 2,
      });
      await upload(root, [...first, ...beta], prefix);
      // Objects that are not DNS logs: one in a dnslogs folder (listed, not ingested), one elsewhere.
      await put(`${prefix}${ORG_A}/dnslogs/notes.txt`, 'not a log');
      await put(`${prefix}${ORG_A}/proxylogs/2026-01-05/2026-01-05-00-00-p000.csv.gz`, 'proxy');
      await w.service.addBinding(
        w.providerId,
        w.beta,
        { kind: 'folder-prefix', value: `${prefix}beta-logs/` },
        't',
      );

      const url = `s3://${BUCKET}/${prefix}`;
      const r1 = await w.service.ingestPath(w.providerId, url, { concurrency: 2, s3: { endpoint } });
      expect(r1).toMatchObject({ listed: 5, files: 4, ingested: 4, failed: 0, rows: 2800, unrouted: 0 });
      expect(r1.units.map((u) => u.sourceKey)).toContain(
        `s3://${BUCKET}/${prefix}${ORG_A}/dnslogs/2026-01-05/2026-01-05-00-00-f000.csv.gz`,
      );
      expect(r1.units.every((u) => /^\d+:[0-9a-f]{32}$/.test(u.version))).toBe(true);
      expect((await w.service.daily(w.providerId, w.alpha, {}))[0]!.requests).toBe(2400);
      expect((await w.service.daily(w.providerId, w.beta, {}))[0]!.requests).toBe(400);

      // Nothing new: the listing starts after each folder's cursor (the last DNS log key; notes.txt
      // sorts after it and is listed again, but is no log).
      const r2 = await w.service.ingestPath(w.providerId, url, { concurrency: 2, s3: { endpoint } });
      expect(r2).toMatchObject({ listed: 1, files: 0, ingested: 0 });

      // A later file in one org's folder: only it is listed and ingested.
      const later = tempDir();
      const more = await writeLogFiles(later, { files: 1, rows: 100, orgIds: [ORG_A], day: 6, seed: 3 });
      await upload(later, more, prefix);
      const r3 = await w.service.ingestPath(w.providerId, url, { concurrency: 1, s3: { endpoint } });
      expect(r3).toMatchObject({ listed: 2, files: 1, ingested: 1, rows: 100 });
      expect((await w.service.daily(w.providerId, w.alpha, {})).map((d) => d.requests)).toEqual([2400, 100]);

      // Without the cursor (a fresh listing of everything), every unit is found already ingested.
      await w.storage.db.deleteFrom('con_source_cursor').where('provider_id', '=', w.providerId).execute();
      const r4 = await w.service.ingestPath(w.providerId, url, { concurrency: 0, s3: { endpoint } });
      expect(r4).toMatchObject({ listed: 6, files: 5, ingested: 0, duplicate: 5 });
    } finally {
      await w.storage.close();
    }
  });

  it('counts the same objects under a second prefix once (size and ETag, else the content digest)', async () => {
    const w = await makeWorld(await openTestStorage(kind));
    try {
      const root = tempDir();
      const files = await writeLogFiles(root, { files: 2, rows: 300, orgIds: [ORG_A], seed: 5 });
      await upload(root, files, `${kind}-copy1/`);
      const r1 = await w.service.ingestPath(w.providerId, `s3://${BUCKET}/${kind}-copy1/`, {
        concurrency: 0,
        s3: { endpoint },
      });
      expect(r1).toMatchObject({ ingested: 2, rows: 600 });
      const before = await w.store.snapshot(w.providerId);

      // A re-upload of the same objects under another prefix: known by size and ETag, not read.
      await upload(root, files, `${kind}-copy2/backup/`);
      const r2 = await w.service.ingestPath(w.providerId, `s3://${BUCKET}/${kind}-copy2/`, {
        concurrency: 0,
        s3: { endpoint },
      });
      expect(r2).toMatchObject({ files: 2, ingested: 0, duplicate: 2, rows: 0 });
      expect(r2.units.map((u) => u.duplicateOf)).toEqual(r1.units.map((u) => u.sourceKey));

      // The same lines uploaded uncompressed (another size and ETag): read, and found by their digest.
      const client = createS3Client({ endpoint });
      try {
        for (const f of files) {
          const key = `${kind}-copy3/${path.relative(root, f).split(path.sep).join('/').replace(/\.gz$/, '')}`;
          await client.send(
            new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gunzipSync(readFileSync(f)) }),
          );
        }
      } finally {
        client.destroy();
      }
      const r3 = await w.service.ingestPath(w.providerId, `s3://${BUCKET}/${kind}-copy3/`, {
        concurrency: 1,
        s3: { endpoint },
      });
      expect(r3).toMatchObject({ files: 2, ingested: 0, duplicate: 2 });
      expect(await w.store.snapshot(w.providerId)).toEqual(before);
    } finally {
      await w.storage.close();
    }
  });
});
