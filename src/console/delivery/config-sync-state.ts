// Configuration sync (CON-8), console side: the outbox item kinds and their payloads (validated when
// read back), and the state the effects keep — the PSA type and question ids per provider
// (con_config_type_state) and the PSA configuration per customer (con_config_sync). Every query
// takes the provider id.
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../platform/db-types.js';
import { decodeJson } from '../../platform/db-types.js';
import { isQuestionKey, type QuestionIds, typeNameProblem } from '../config-sync/index.js';
import type { AnswerValues } from '../config-sync/plan.js';

type Db = Kysely<Database> | Transaction<Database>;

export const CONFIG_ENSURE_TYPE = 'config.ensure-type';
export const CONFIG_UPSERT = 'config.upsert';
/** One provider's type writes run one at a time. */
export const TYPE_SUBJECT = 'config-type';
/** One customer's configuration writes run one at a time, in order. */
export const configSubject = (customerId: number) => `config:${customerId}`;

const typeName = z.string().superRefine((name, ctx) => {
  const problem = typeNameProblem(name);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});
const answerValues = z
  .record(z.union([z.string().max(10_000), z.number().finite()]))
  .superRefine((v, ctx) => {
    for (const key of Object.keys(v))
      if (!isQuestionKey(key))
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unknown question '${key}'` });
  });

export const ensureTypePayload = z.object({ typeName }).strict();
export type EnsureTypePayload = z.infer<typeof ensureTypePayload>;

export const upsertPayload = z
  .object({
    customerName: z.string().min(1).max(500),
    psaCompanyId: z.number().int().positive(),
    /** The answers computed when the sync was decided ("Last synchronized" is added at write time). */
    values: answerValues,
    /** Set on the copy enqueued after the PSA refused the question ids: it is not re-enqueued twice. */
    requeued: z.boolean().optional(),
  })
  .strict();
export type UpsertPayload = Omit<z.infer<typeof upsertPayload>, 'values'> & { values: AnswerValues };

/** Parses an item's payload; the error names the kind and what is wrong (the item fails for good). */
export function parsePayload<T>(schema: z.ZodType<T>, kind: string, payload: unknown): T {
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new TypeError(`${kind} payload is not valid${where}: ${issue?.message ?? 'unreadable'}`);
}

// ---------- the type per provider ----------

export interface TypeState {
  typeName: string;
  typeId: number | null;
  /** questionSetVersion of what was ensured. */
  version: string | null;
  ids: QuestionIds;
  /** Null: never ensured, or marked stale (the PSA refused the remembered ids). */
  ensuredAt: string | null;
}

interface StoredQuestions {
  version?: unknown;
  ids?: unknown;
}

function storedIds(value: unknown): QuestionIds {
  const ids: QuestionIds = {};
  if (typeof value !== 'object' || value === null) return ids;
  for (const [key, id] of Object.entries(value))
    if (isQuestionKey(key) && typeof id === 'number' && Number.isSafeInteger(id) && id > 0) ids[key] = id;
  return ids;
}

export async function readTypeState(db: Db, providerId: number): Promise<TypeState | undefined> {
  const r = await db
    .selectFrom('con_config_type_state')
    .selectAll()
    .where('provider_id', '=', providerId)
    .executeTakeFirst();
  if (!r) return undefined;
  const q = decodeJson<StoredQuestions | null>(r.questions) ?? {};
  return {
    typeName: r.type_name,
    typeId: r.psa_type_id === null ? null : Number(r.psa_type_id),
    version: typeof q.version === 'string' ? q.version : null,
    ids: storedIds(q.ids),
    ensuredAt: r.ensured_at,
  };
}

export async function writeTypeState(
  trx: Db,
  providerId: number,
  state: TypeState,
  at: string,
): Promise<void> {
  const values = {
    type_name: state.typeName,
    psa_type_id: state.typeId,
    questions: JSON.stringify({ version: state.version, ids: state.ids }),
    ensured_at: state.ensuredAt,
    updated_at: at,
  };
  await trx
    .insertInto('con_config_type_state')
    .values({ provider_id: providerId, ...values })
    .onConflict((oc) => oc.column('provider_id').doUpdateSet(values))
    .execute();
}

/** The PSA refused the remembered ids: the next sync ensures the type again (ids are kept as hints). */
export async function markTypeStale(trx: Db, providerId: number, at: string): Promise<void> {
  await trx
    .updateTable('con_config_type_state')
    .set({ ensured_at: null, updated_at: at })
    .where('provider_id', '=', providerId)
    .execute();
}

/** Whether the type is ready for answers of this question-set version. */
export function typeReady(
  state: TypeState | undefined,
  version: string,
): state is TypeState & { typeId: number } {
  return (
    state !== undefined && state.typeId !== null && state.ensuredAt !== null && state.version === version
  );
}

/** Whether an ensure-type item of the provider is waiting or running (so another is not needed). */
export async function ensureTypeQueued(db: Db, providerId: number): Promise<boolean> {
  const r = await db
    .selectFrom('con_outbox')
    .select('id')
    .where('provider_id', '=', providerId)
    .where('subject', '=', TYPE_SUBJECT)
    .where('state', 'in', ['pending', 'running'])
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

// ---------- the configuration per customer ----------

export interface SyncState {
  configurationId: number | null;
  psaCompanyId: number | null;
  answersDigest: string | null;
  lastSyncedAt: string | null;
  lastError: string | null;
}

export async function readSyncState(
  db: Db,
  providerId: number,
  customerId: number,
): Promise<SyncState | undefined> {
  const r = await db
    .selectFrom('con_config_sync')
    .selectAll()
    .where('provider_id', '=', providerId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return (
    r && {
      configurationId: r.psa_configuration_id === null ? null : Number(r.psa_configuration_id),
      psaCompanyId: r.psa_company_id === null ? null : Number(r.psa_company_id),
      answersDigest: r.answers_digest,
      lastSyncedAt: r.last_synced_at,
      lastError: r.last_error,
    }
  );
}

/** A successful write or confirmation: the configuration, its digest and when; no error. */
export async function recordSynced(
  trx: Db,
  providerId: number,
  customerId: number,
  synced: { configurationId: number; psaCompanyId: number; answersDigest: string },
  at: string,
): Promise<void> {
  const values = {
    psa_configuration_id: synced.configurationId,
    psa_company_id: synced.psaCompanyId,
    answers_digest: synced.answersDigest,
    last_synced_at: at,
    last_error: null,
    last_error_at: null,
    updated_at: at,
  };
  await trx
    .insertInto('con_config_sync')
    .values({ provider_id: providerId, customer_id: customerId, ...values })
    .onConflict((oc) => oc.columns(['provider_id', 'customer_id']).doUpdateSet(values))
    .execute();
}

/** Forgets the configuration id (the next write looks the configuration up by type and company). */
export async function forgetConfiguration(trx: Db, providerId: number, customerId: number, at: string) {
  await trx
    .updateTable('con_config_sync')
    .set({ psa_configuration_id: null, answers_digest: null, updated_at: at })
    .where('provider_id', '=', providerId)
    .where('customer_id', '=', customerId)
    .execute();
}

/** Why a customer's configuration is not synced, in plain words (shown with the customer). */
export async function recordSyncError(
  trx: Db,
  providerId: number,
  customerId: number,
  reason: string,
  at: string,
): Promise<void> {
  await trx
    .insertInto('con_config_sync')
    .values({
      provider_id: providerId,
      customer_id: customerId,
      last_error: reason,
      last_error_at: at,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc
        .columns(['provider_id', 'customer_id'])
        .doUpdateSet({ last_error: reason, last_error_at: at, updated_at: at }),
    )
    .execute();
}
