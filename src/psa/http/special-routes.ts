// Handlers of the endpoints that are not plain record collections: system info, the caller's
// security, role settings, configurations attached to tickets, board item associations, and the
// callback signing key.
import type { FastifyReply } from 'fastify';
import {
  mySecurity,
  mySecurityCustomizeItems,
  securityRoleSetting,
  securityRoleSettings,
} from '../catalog/index.js';
import { notFound, PsaError } from '../model/errors.js';
import type { CallContext } from '../service/context.js';
import type { PsaServices } from '../service/services.js';
import type { Doc } from '../store/records.js';
import { pathId } from './input-checks.js';
import { API_VERSION } from './version.js';

export interface SpecialArgs {
  ctx: CallContext;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  reply: FastifyReply;
  parentIds: number[];
  services: PsaServices;
}

type Handler = (args: SpecialArgs) => Promise<unknown>;

const TICKET_CONFIGURATION = 'ticketConfiguration';

const id = (raw: string | undefined): number => pathId(raw);

async function ticketConfigurations(a: SpecialArgs): Promise<Doc[]> {
  const ticket = a.services.engine.def('ticket');
  await a.services.engine.load(a.ctx, ticket, [], a.parentIds[0]!);
  const links = await a.services.records.list(TICKET_CONFIGURATION, { parentId: a.parentIds[0]! });
  const configs = await a.services.records.getMany(
    'configuration',
    links.map((l) => l.data.configurationId as number),
  );
  return links
    .map((l) => configs.get(l.data.configurationId as number))
    .filter((c) => c !== undefined)
    .map((c) => ({
      id: c.id,
      ...(c.data.deviceIdentifier !== undefined ? { deviceIdentifier: c.data.deviceIdentifier } : {}),
      _info: { configuration_href: `${a.ctx.apiBase}/company/configurations/${c.id}` },
    }));
}

export const SPECIAL_HANDLERS: Record<string, Handler> = {
  async 'system.info'(a) {
    return {
      version: `v${API_VERSION}.0`,
      isCloud: false,
      serverTimeZone: 'UTC',
      licenseBits: [],
      cloudRegion: 'LOCAL',
      ...(a.services.config.psa.companyName ? {} : {}),
    };
  },
  async 'mySecurity.list'(a) {
    const who = a.ctx.caller;
    return mySecurity(who.role, { id: who.memberId, identifier: who.identifier, name: who.name });
  },
  async 'mySecurity.customizeItems'(a) {
    return mySecurityCustomizeItems(a.ctx.caller.role);
  },
  async 'callbacks.signingKey'(a) {
    const row = await a.services.storage.db
      .selectFrom('psa_signing_key')
      .select(['signing_key'])
      .where('id', '=', id(a.params.id))
      .executeTakeFirst();
    if (!row) throw notFound('Signing key', a.params.id ?? '');
    return { signing_key: row.signing_key };
  },
  async 'securityRoleSettings.list'(a) {
    const role = await a.services.security.findRole(a.parentIds[0]!);
    if (!role) throw notFound('Security role', a.parentIds[0]!);
    return securityRoleSettings(role.levels, { lastUpdated: role.updatedAt });
  },
  async 'securityRoleSettings.count'(a) {
    const role = await a.services.security.findRole(a.parentIds[0]!);
    if (!role) throw notFound('Security role', a.parentIds[0]!);
    return { count: securityRoleSettings(role.levels).length };
  },
  async 'securityRoleSettings.get'(a) {
    const role = await a.services.security.findRole(a.parentIds[0]!);
    if (!role) throw notFound('Security role', a.parentIds[0]!);
    const setting = securityRoleSetting(role.levels, id(a.params.id), { lastUpdated: role.updatedAt });
    if (!setting) throw notFound('Security role setting', a.params.id ?? '');
    return setting;
  },
  'ticketConfigurations.list': ticketConfigurations,
  async 'ticketConfigurations.count'(a) {
    return { count: (await ticketConfigurations(a)).length };
  },
  async 'ticketConfigurations.get'(a) {
    const wanted = id(a.params.id);
    const found = (await ticketConfigurations(a)).find((c) => c.id === wanted);
    if (!found) throw notFound('Configuration', wanted);
    return found;
  },
  async 'ticketConfigurations.add'(a) {
    const body = a.body as Doc | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new PsaError('InvalidObject', 'configurationReference object is invalid', [
        {
          code: 'NullValue',
          message: 'A configuration reference such as {"id": 55} is required.',
          resource: 'configurationReference',
          field: 'id',
        },
      ]);
    }
    const ticketId = a.parentIds[0]!;
    const { engine, records } = a.services;
    await engine.load(a.ctx, engine.def('ticket'), [], ticketId);
    let configId: number | undefined;
    if (typeof body.id === 'number' && Number.isSafeInteger(body.id)) configId = body.id;
    else if (typeof body.deviceIdentifier === 'string') {
      configId = (await records.findByText('configuration', ['deviceIdentifier'], body.deviceIdentifier))[0]
        ?.id;
    }
    const config = configId === undefined ? undefined : await records.get('configuration', configId);
    if (!config) {
      throw new PsaError('InvalidObject', 'configurationReference object is invalid', [
        {
          code: 'InvalidField',
          message: 'The configuration was not found.',
          resource: 'configurationReference',
          field: 'id',
        },
      ]);
    }
    await records.transaction(async (trx) => {
      const existing = await records.list(TICKET_CONFIGURATION, { parentId: ticketId }, trx);
      if (!existing.some((l) => l.data.configurationId === config.id)) {
        await records.insert(
          TICKET_CONFIGURATION,
          {
            parentId: ticketId,
            data: { configurationId: config.id },
            ownerMemberId: a.ctx.caller.memberId,
            at: a.ctx.now,
          },
          trx,
        );
      }
    });
    a.reply.status(201);
    return {
      id: config.id,
      ...(config.data.deviceIdentifier !== undefined
        ? { deviceIdentifier: config.data.deviceIdentifier }
        : {}),
      _info: { configuration_href: `${a.ctx.apiBase}/company/configurations/${config.id}` },
    };
  },
  async 'ticketConfigurations.remove'(a) {
    const ticketId = a.parentIds[0]!;
    const wanted = id(a.params.id);
    const { engine, records } = a.services;
    await engine.load(a.ctx, engine.def('ticket'), [], ticketId);
    const links = await records.list(TICKET_CONFIGURATION, { parentId: ticketId });
    const link = links.find((l) => l.data.configurationId === wanted);
    if (!link) throw notFound('Configuration', wanted);
    await records.delete(TICKET_CONFIGURATION, link.id);
    a.reply.status(204);
    return a.reply.send();
  },
  async 'boardItemAssociations.list'(a) {
    const [boardId, itemId] = a.parentIds as [number, number];
    const { records } = a.services;
    const board = await records.get('board', boardId);
    if (!board) throw notFound('Board', boardId);
    const item = await records.get('boardItem', itemId);
    if (!item || item.parentId !== boardId) throw notFound('Item', itemId);
    // Parasol does not restrict type/subtype/item combinations: every subtype of the board goes with the item.
    const subTypes = await records.list('boardSubType', { parentId: boardId });
    return subTypes.map((s) => ({
      id: item.id,
      subType: { id: s.id, name: s.data.name },
      board: { id: boardId, name: board.data.name },
    }));
  },
};
