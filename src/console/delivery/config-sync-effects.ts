// Configuration sync (CON-8), the PSA writes: 'config.ensure-type' makes the configuration type and
// its questions exist with the right field types; 'config.upsert' writes one customer's answers to its
// configuration. Both are idempotent: they look for what exists (by remembered id, then by name, by
// question text, or by type + company) before creating anything, so a retry after a timeout, a crash
// or a lost state never duplicates a type, a question or a configuration.
//
// PSA requests of 'config.upsert' once steady: ONE — a PATCH of the remembered configuration that
// replaces its `questions` (and name). A 404 (deleted by hand) falls back to a lookup by type + company
// and a create. An unchanged write confirmed within VERIFY_AFTER_MS sends nothing.
import { cwDate } from '../../platform/clock.js';
import {
  answersDigest,
  type CwAnswer,
  configurationName,
  LAST_SYNCHRONIZED,
  type PsaConfigurationType,
  type PsaQuestion,
  planType,
  type QuestionIds,
  questionSetVersion,
  toQuestionAnswers,
} from '../config-sync/index.js';
import type { Effect, EffectContext, EffectDone, Effects, OutboxItemInput } from '../engine/types.js';
import { ConnectWiseError, type PatchOperation } from '../psa-client/types.js';
import {
  CONFIG_ENSURE_TYPE,
  CONFIG_UPSERT,
  configSubject,
  ensureTypePayload,
  ensureTypeQueued,
  forgetConfiguration,
  markTypeStale,
  parsePayload,
  readSyncState,
  readTypeState,
  recordSynced,
  TYPE_SUBJECT,
  type TypeState,
  typeReady,
  type UpsertPayload,
  upsertPayload,
  writeTypeState,
} from './config-sync-state.js';

const TYPES = '/company/configurations/types';
const CONFIGURATIONS = '/company/configurations';

/**
 * An unchanged configuration is confirmed (one PATCH, which also answers 404 if it was deleted) when
 * its last confirmation is older than this: at most once a day, and always by the next daily sync.
 */
export const VERIFY_AFTER_MS = 20 * 60 * 60 * 1000;

/**
 * The configuration type is not (or no longer) ensured: the answer ids are unknown. Thrown by
 * 'config.upsert' so the engine retries it later (an unexpected error is retried), by when the
 * 'config.ensure-type' item of the provider has run.
 */
export class ConfigTypeNotReadyError extends Error {
  override readonly name = 'ConfigTypeNotReadyError';
  /** Nothing was sent: the write waits for the type (engine/types.ts EffectErrorFlags). */
  readonly notSent = true;
}

/** The record itself is gone — not ConnectWise's "endpoint does not exist" (a wrong site or codebase). */
function isNotFound(e: unknown): e is ConnectWiseError {
  return (
    e instanceof ConnectWiseError && e.kind === 'http' && e.status === 404 && e.code !== 'ConnectWiseApi'
  );
}

/** The PSA refused the question ids or the type of a configuration write (changed since ensured). */
function refusedTypeOrQuestions(e: unknown): e is ConnectWiseError {
  if (!(e instanceof ConnectWiseError) || e.kind !== 'http' || e.status !== 400) return false;
  return (e.errors ?? []).some((f) => /^(questions|type)\b/i.test(f.field ?? ''));
}

const iso = (d: Date) => d.toISOString();

// ---------- config.ensure-type ----------

interface CwQuestion extends PsaQuestion {}

async function findType(
  ctx: EffectContext,
  state: TypeState | undefined,
  typeName: string,
): Promise<PsaConfigurationType | undefined> {
  if (state?.typeId != null) {
    try {
      return await ctx.api.get<PsaConfigurationType>(`${TYPES}/${state.typeId}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  // Name lookups are case-insensitive on ConnectWise; the oldest of several same-named types wins.
  const found = await ctx.api.list<PsaConfigurationType>(TYPES, {
    conditions: `name="${typeName}"`,
    orderBy: 'id asc',
    pageSize: 25,
  });
  const type = found.find((t) => t.name === typeName) ?? found[0];
  if (type)
    ctx.logWrite({
      method: 'GET',
      path: TYPES,
      status: 200,
      outcome: 'found-existing',
      detail: `configuration type ${type.id} found by its name`,
    });
  return type;
}

const ensureType: Effect = async (ctx) => {
  const p = parsePayload(ensureTypePayload, CONFIG_ENSURE_TYPE, ctx.item.payload);
  const providerId = ctx.item.providerId;
  const state = await readTypeState(ctx.db, providerId);
  let type = await findType(ctx, state, p.typeName);
  // Remembered question ids only mean something for the type they were remembered for.
  const knownIds: QuestionIds = type && state?.typeId === type.id ? state.ids : {};
  const existing = type
    ? await ctx.api.listAll<CwQuestion>(`${TYPES}/${type.id}/questions`, { pageSize: 1000 })
    : [];
  const plan = planType(type, existing, knownIds, { typeName: p.typeName });
  const ids: QuestionIds = { ...plan.matched };
  let created = 0;
  let fixed = 0;
  for (const op of plan.operations) {
    switch (op.op) {
      case 'create-type': {
        type = await ctx.api.post<PsaConfigurationType>(TYPES, { name: op.name, inactiveFlag: false });
        ctx.logWrite({
          method: 'POST',
          path: TYPES,
          status: 201,
          outcome: 'ok',
          detail: `created configuration type ${type.id}`,
        });
        break;
      }
      case 'activate-type': {
        const path = `${TYPES}/${op.typeId}`;
        await ctx.api.patch(path, [{ op: 'replace', path: 'inactiveFlag', value: false }]);
        ctx.logWrite({
          method: 'PATCH',
          path,
          status: 200,
          outcome: 'ok',
          detail: 'configuration type made active',
        });
        break;
      }
      case 'create-question': {
        const path = `${TYPES}/${type!.id}/questions`;
        const q = await ctx.api.post<CwQuestion>(path, op.body);
        ids[op.key] = q.id;
        created++;
        ctx.logWrite({
          method: 'POST',
          path,
          status: 201,
          outcome: 'ok',
          detail: `created question ${q.id} (${op.key})`,
        });
        break;
      }
      case 'fix-question': {
        const path = `${TYPES}/${type!.id}/questions/${op.questionId}`;
        const ops: PatchOperation[] = Object.entries(op.set).map(([field, value]) => ({
          op: 'replace',
          path: field,
          value,
        }));
        await ctx.api.patch(path, ops);
        fixed++;
        ctx.logWrite({
          method: 'PATCH',
          path,
          status: 200,
          outcome: 'ok',
          detail: `question ${op.questionId} (${op.key}) set to ${Object.values(op.set).join(', ')}`,
        });
        break;
      }
    }
  }
  if (!type) throw new Error('config.ensure-type: no configuration type after planning'); // planType always creates one
  // The console's type name changed: rename the type it already has (its configurations stay on it).
  // A name changed by hand in the PSA, with the console's setting unchanged, is left as it is.
  if (
    state !== undefined &&
    state.typeId === type.id &&
    state.typeName !== p.typeName &&
    type.name !== p.typeName
  ) {
    const path = `${TYPES}/${type.id}`;
    await ctx.api.patch(path, [{ op: 'replace', path: 'name', value: p.typeName }]);
    ctx.logWrite({ method: 'PATCH', path, status: 200, outcome: 'ok', detail: 'configuration type renamed' });
  }
  const typeId = type.id;
  const at = iso(ctx.now);
  return {
    result: { typeId, questionsCreated: created, questionsFixed: fixed },
    apply: async (trx) => {
      await writeTypeState(
        trx,
        providerId,
        { typeName: p.typeName, typeId, version: questionSetVersion(p.typeName), ids, ensuredAt: at },
        at,
      );
      // The configuration writes queued behind the type (ENSURE_HEAD_START_MS) may run now.
      await trx
        .updateTable('con_outbox')
        .set({ not_before: at })
        .where('provider_id', '=', providerId)
        .where('kind', '=', CONFIG_UPSERT)
        .where('state', '=', 'pending')
        .where('not_before', '>', at)
        .execute();
    },
  };
};

// ---------- config.upsert ----------

interface CwConfiguration {
  id: number;
}

interface Write {
  ctx: EffectContext;
  p: UpsertPayload;
  customerId: number;
  type: TypeState & { typeId: number };
  name: string;
  answers: CwAnswer[];
  digest: string;
}

function synced(w: Write, configurationId: number, action: string): EffectDone {
  const { ctx, p, customerId, digest } = w;
  const at = iso(ctx.now);
  return {
    result: { configurationId, action },
    apply: (trx) =>
      recordSynced(
        trx,
        ctx.item.providerId,
        customerId,
        { configurationId, psaCompanyId: p.psaCompanyId, answersDigest: digest },
        at,
      ),
  };
}

/**
 * The PSA refused the question ids or the type (a question or the type deleted or changed by hand
 * since it was ensured): the type is marked stale and ensured again, the configuration is looked up
 * afresh, and this write is enqueued once more behind them. A second refusal fails the item.
 */
async function requeue(w: Write, error: ConnectWiseError): Promise<EffectDone> {
  const { ctx, p, customerId } = w;
  if (p.requeued === true) throw error;
  const providerId = ctx.item.providerId;
  const followUps: OutboxItemInput[] = [];
  if (!(await ensureTypeQueued(ctx.db, providerId)))
    followUps.push({
      providerId,
      customerId: null,
      kind: CONFIG_ENSURE_TYPE,
      subject: TYPE_SUBJECT,
      payload: { typeName: w.type.typeName },
    });
  followUps.push({
    providerId,
    customerId,
    kind: CONFIG_UPSERT,
    subject: configSubject(customerId),
    payload: { ...p, requeued: true },
  });
  const at = iso(ctx.now);
  return {
    result: { requeued: `the PSA refused the configuration's questions or type: ${error.message}` },
    apply: async (trx) => {
      await markTypeStale(trx, providerId, at);
      await forgetConfiguration(trx, providerId, customerId, at);
    },
    followUps,
  };
}

/** PATCH of a known configuration: 'ok', 'gone' (404), or the refusal to hand to `requeue`. */
async function patchConfiguration(w: Write, id: number): Promise<'ok' | 'gone' | ConnectWiseError> {
  const path = `${CONFIGURATIONS}/${id}`;
  const ops: PatchOperation[] = [
    { op: 'replace', path: 'questions', value: w.answers },
    { op: 'replace', path: 'name', value: w.name },
  ];
  try {
    await w.ctx.api.patch<CwConfiguration>(path, ops);
  } catch (e) {
    if (isNotFound(e)) {
      w.ctx.logWrite({
        method: 'PATCH',
        path,
        status: 404,
        outcome: 'error',
        detail: `configuration ${id} no longer exists in the PSA (deleted by hand?): it is looked up, then created again`,
      });
      return 'gone';
    }
    if (refusedTypeOrQuestions(e)) return e;
    throw e;
  }
  w.ctx.logWrite({
    method: 'PATCH',
    path,
    status: 200,
    outcome: 'ok',
    detail: `answers written to configuration ${id}`,
  });
  return 'ok';
}

const upsert: Effect = async (ctx) => {
  const p = parsePayload(upsertPayload, CONFIG_UPSERT, ctx.item.payload) as UpsertPayload;
  const providerId = ctx.item.providerId;
  const customerId = ctx.item.customerId;
  if (customerId === null) throw new TypeError('config.upsert: the item has no customer');
  const skip = (reason: string, detail: string, path = CONFIGURATIONS): EffectDone => {
    ctx.logWrite({ method: 'PATCH', path, status: null, outcome: 'skipped', detail });
    return { result: { skipped: reason } };
  };

  // The mapping may have changed since the sync was decided: the next sync writes where it points now.
  const customer = await ctx.db
    .selectFrom('con_customer')
    .select(['mapping_state', 'psa_company_id'])
    .where('provider_id', '=', providerId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!customer) return skip('customer-deleted', 'the customer no longer exists');
  if (customer.mapping_state !== 'mapped' || Number(customer.psa_company_id) !== p.psaCompanyId)
    return skip('mapping-changed', 'the customer was mapped differently since this sync was decided');

  const type = await readTypeState(ctx.db, providerId);
  if (!typeReady(type, questionSetVersion(type?.typeName ?? ''))) {
    throw new ConfigTypeNotReadyError(
      'waiting for the configuration type and its questions to be ensured in the PSA',
    );
  }
  const name = configurationName(type.typeName, p.customerName);
  const stable = toQuestionAnswers(p.values, type.ids);
  const digest = answersDigest(stable, { name, typeId: type.typeId, companyId: p.psaCompanyId });
  const answers = [...stable, ...toQuestionAnswers({ [LAST_SYNCHRONIZED]: cwDate(ctx.now) }, type.ids)];
  const w: Write = { ctx, p, customerId, type, name, answers, digest };

  const sync = await readSyncState(ctx.db, providerId, customerId);
  const knownId = sync && sync.psaCompanyId === p.psaCompanyId ? sync.configurationId : null;
  if (knownId !== null) {
    const confirmedAt = sync?.lastSyncedAt ? Date.parse(sync.lastSyncedAt) : Number.NaN;
    if (sync?.answersDigest === digest && ctx.now.getTime() - confirmedAt < VERIFY_AFTER_MS)
      return skip(
        'unchanged',
        `configuration ${knownId} unchanged (confirmed ${sync.lastSyncedAt})`,
        `${CONFIGURATIONS}/${knownId}`,
      );
    const r = await patchConfiguration(w, knownId);
    if (r === 'ok') return synced(w, knownId, 'updated');
    if (r !== 'gone') return requeue(w, r);
  }

  // Unknown (first write, a lost state, an earlier attempt whose answer was lost) or deleted: look it
  // up by type and company before creating, so a retry never makes a second one.
  const found = await ctx.api.list<CwConfiguration>(CONFIGURATIONS, {
    conditions: `type/id=${type.typeId} and company/id=${p.psaCompanyId}`,
    orderBy: 'id asc',
    fields: 'id',
    pageSize: 1,
  });
  const existing = found[0];
  if (existing) {
    ctx.logWrite({
      method: 'GET',
      path: CONFIGURATIONS,
      status: 200,
      outcome: 'found-existing',
      detail: `configuration ${existing.id} found by type and company`,
    });
    const r = await patchConfiguration(w, existing.id);
    if (r === 'ok') return synced(w, existing.id, 'found');
    if (r === 'gone') throw new Error(`configuration ${existing.id} was deleted while being updated`);
    return requeue(w, r);
  }
  let created: CwConfiguration;
  try {
    created = await ctx.api.post<CwConfiguration>(CONFIGURATIONS, {
      name,
      type: { id: type.typeId },
      company: { id: p.psaCompanyId },
      questions: answers,
    });
  } catch (e) {
    if (refusedTypeOrQuestions(e)) return requeue(w, e);
    throw e;
  }
  ctx.logWrite({
    method: 'POST',
    path: CONFIGURATIONS,
    status: 201,
    outcome: 'ok',
    detail: `created configuration ${created.id}`,
  });
  return synced(w, created.id, 'created');
};

/** Register with the delivery worker: `{ ...configSyncEffects, ...otherEffects }`. */
export const configSyncEffects: Effects = {
  [CONFIG_ENSURE_TYPE]: ensureType,
  [CONFIG_UPSERT]: upsert,
};
