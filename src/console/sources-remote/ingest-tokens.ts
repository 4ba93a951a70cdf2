// Ingest tokens (CON-5 c): bearer tokens with which a provider's collectors POST NDJSON events to
// /api/v1/ingest/events without a console session. Admins create and revoke them; a token is shown
// once, at creation, and only its SHA-256 digest is stored, so a database dump does not hand out
// working tokens. A request finds its token by digest and compares the digests in constant time.
import { z } from 'zod';
import { type Clock, cwDate } from '../../platform/clock.js';
import { digestsEqual, randomAlphanumeric, sha256, sha256Hex } from '../../platform/crypto.js';
import { parse } from '../service/accounts.js';
import { ConsoleError, notFound } from '../service/errors.js';
import { maskHint } from '../service/integration.js';
import type { ConsoleStore } from '../store/console-store.js';
import type { IngestTokenRow, RemoteSourceStore } from './remote-store.js';

export const TOKEN_PREFIX = 'psi_';
/** 43 characters over [A-Za-z0-9]: about 256 bits. */
const TOKEN_CHARS = 43;
/** last_used_at is written at most this often per token (no write per request). */
const TOUCH_EVERY_MS = 60_000;

export const ingestTokenCreateSchema = z.object({ name: z.string().trim().min(1).max(100) }).strict();

export interface IngestTokenView {
  id: number;
  name: string;
  /** The last four characters, masked. */
  hint: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  active: boolean;
}

const view = (r: IngestTokenRow): IngestTokenView => ({
  id: r.id,
  name: r.name,
  hint: r.tokenHint,
  createdAt: r.createdAt,
  createdBy: r.createdBy,
  lastUsedAt: r.lastUsedAt,
  revokedAt: r.revokedAt,
  revokedBy: r.revokedBy,
  active: r.revokedAt === null,
});

export interface IngestCaller {
  providerId: number;
  tokenId: number;
  tokenName: string;
}

export class IngestTokenService {
  constructor(
    private readonly store: RemoteSourceStore,
    private readonly consoleStore: ConsoleStore,
    private readonly clock: Clock,
  ) {}

  /** Creates a token; the only time its value is returned. */
  async create(
    providerId: number,
    input: unknown,
    actor: string,
  ): Promise<IngestTokenView & { token: string; note: string }> {
    const { name } = parse(ingestTokenCreateSchema, input, 'ingest token');
    const token = `${TOKEN_PREFIX}${randomAlphanumeric(TOKEN_CHARS)}`;
    const at = cwDate(this.clock.now());
    const id = await this.store.createToken({
      providerId,
      name,
      tokenDigest: sha256Hex(token),
      tokenHint: maskHint(token),
      createdAt: at,
      createdBy: actor,
    });
    await this.consoleStore.audit({
      providerId,
      at,
      actor,
      action: 'ingest-token.created',
      detail: `${id} ${name}`,
    });
    const row = await this.store.getToken(providerId, id);
    return {
      ...view(row!),
      token,
      note: 'Copy the token now: it is not shown again. Send it as "Authorization: Bearer <token>".',
    };
  }

  async list(providerId: number): Promise<IngestTokenView[]> {
    return (await this.store.listTokens(providerId)).map(view);
  }

  async revoke(providerId: number, id: number, actor: string): Promise<void> {
    const row = await this.store.getToken(providerId, id);
    if (!row) throw notFound('ingest token');
    if (row.revokedAt !== null) return;
    const at = cwDate(this.clock.now());
    await this.store.revokeToken(providerId, id, at, actor);
    await this.consoleStore.audit({
      providerId,
      at,
      actor,
      action: 'ingest-token.revoked',
      detail: `${id} ${row.name}`,
    });
  }

  /** The caller of an `Authorization: Bearer <token>` header, or a 401 that says what is wrong. */
  async authenticate(authorization: string | undefined): Promise<IngestCaller> {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m)
      throw new ConsoleError('unauthorized', 'Send the ingest token as "Authorization: Bearer <token>".');
    const presented = m[1]!;
    const digest = sha256(presented);
    const row =
      presented.length <= 200 ? await this.store.findTokenByDigest(digest.toString('hex')) : undefined;
    // The row was found by its digest; comparing again in constant time keeps the check itself
    // independent of where two digests would differ, whatever the database's comparison does.
    if (!row || !digestsEqual(Buffer.from(row.tokenDigest, 'hex'), digest) || row.revokedAt !== null)
      throw new ConsoleError('unauthorized', 'The ingest token is unknown or revoked.');
    const now = this.clock.now();
    if (!row.lastUsedAt || now.getTime() - Date.parse(row.lastUsedAt) >= TOUCH_EVERY_MS)
      await this.store.touchToken(row.id, cwDate(now));
    return { providerId: row.providerId, tokenId: row.id, tokenName: row.name };
  }
}
