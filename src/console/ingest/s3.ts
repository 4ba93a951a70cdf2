// S3-compatible buckets (AWS S3, Cisco-managed Umbrella buckets, MinIO, …) through the AWS SDK v3.
// Credentials come from the SDK's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN, profiles, …); the region from AWS_REGION (default us-east-1); an explicit
// endpoint (an S3-compatible server) switches to path-style addressing.
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

export interface S3Options {
  /** e.g. 'http://127.0.0.1:9000' for an S3-compatible server; AWS when absent. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** Default: true with an endpoint, false without. */
  forcePathStyle?: boolean | undefined;
}

export interface S3Location {
  bucket: string;
  prefix: string;
}

/** Parses 's3://bucket/prefix' (the prefix may be empty). */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(m[1]!)) {
    throw new Error(`not an S3 location: ${url} (expected s3://bucket/prefix)`);
  }
  return { bucket: m[1]!, prefix: m[2]! };
}

export function createS3Client(options: S3Options = {}): S3Client {
  const endpoint = options.endpoint;
  return new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? Boolean(endpoint),
    maxAttempts: 4,
  });
}

export interface S3ObjectInfo {
  key: string;
  size: number;
  etag: string;
}

/** One page of a listing: objects (in key order) and the folders under `delimiter`. */
export async function listPage(
  client: S3Client,
  bucket: string,
  params: {
    prefix: string;
    startAfter?: string | undefined;
    delimiter?: string;
    token?: string | undefined;
    maxKeys?: number;
  },
): Promise<{ objects: S3ObjectInfo[]; folders: string[]; next: string | undefined }> {
  const r = await client.send(
    new ListObjectsV2Command({
      Bucket: bucket,
      Prefix: params.prefix,
      ...(params.startAfter ? { StartAfter: params.startAfter } : {}),
      ...(params.delimiter ? { Delimiter: params.delimiter } : {}),
      ...(params.token ? { ContinuationToken: params.token } : {}),
      ...(params.maxKeys ? { MaxKeys: params.maxKeys } : {}),
    }),
  );
  return {
    objects: (r.Contents ?? [])
      .filter((o) => o.Key !== undefined)
      .map((o) => ({ key: o.Key!, size: Number(o.Size ?? 0), etag: (o.ETag ?? '').replace(/"/g, '') })),
    folders: (r.CommonPrefixes ?? []).map((p) => p.Prefix!).filter((p) => p !== undefined),
    next: r.IsTruncated ? r.NextContinuationToken : undefined,
  };
}

/** The object's bytes as a stream. */
export async function openObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<AsyncIterable<Uint8Array>> {
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!r.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return r.Body as unknown as AsyncIterable<Uint8Array>;
}
