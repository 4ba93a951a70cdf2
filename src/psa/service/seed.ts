// `parasol psa seed [--demo]`: the built-in roles and an admin member always; with --demo, the
// reference data an MSP's ConnectWise has (companies, boards with statuses/types/subtypes/items,
// priorities, sources, configuration statuses, communication types) and ticket 123456, which
// connectwise-rest's own test suite reads. Idempotent: existing records are kept.
import { cwDate } from '../../platform/clock.js';
import { ADMIN_ROLE, ARTICLE_ROLE, READ_ONLY_ROLE } from '../catalog/index.js';
import type { Doc } from '../store/records.js';
import type { CallContext } from './context.js';
import type { PsaServices } from './services.js';

export interface SeedResult {
  adminMemberId: number;
  created: Record<string, number>;
}

export const DEMO_TICKET_ID = 123456;

/**
 * The admin member's password that `parasol psa seed --demo` and `parasol start --demo` set when the
 * admin has none, and print: a demo deployment is signed in to with it. Never for production data.
 */
export const DEMO_ADMIN_PASSWORD = 'parasol-demo-admin';

/**
 * The demo's copy of the article's role. Not "Umbrella": the article's step 1 (and the README's
 * `psa role create Umbrella --preset article`) must still work on a demo deployment.
 */
export const DEMO_ROLE_NAME = 'Umbrella (demo)';

/** A member as the caller of engine calls made by the system itself (seed, benchmarks). */
export async function systemContext(
  services: PsaServices,
  memberId: number,
  apiBase: string,
): Promise<CallContext> {
  const member = (await services.security.findMember(memberId))!;
  const role = (await services.security.findRole(member.roleId))!;
  return {
    caller: {
      memberId,
      identifier: member.identifier,
      name: `${member.firstName} ${member.lastName}`.trim() || member.identifier,
      role: {
        adminFlag: role.adminFlag,
        inactiveFlag: role.inactiveFlag,
        levels: role.levels,
        allowed: role.allowed,
      },
      keyId: null,
    },
    now: cwDate(services.clock.now()),
    apiBase,
    scope: 'All',
    companyId: services.config.psa.companyId,
  };
}

export async function seedPsa(
  services: PsaServices,
  options: { demo: boolean; adminIdentifier?: string; adminPassword?: string },
): Promise<SeedResult> {
  const { admin } = services;
  const adminRole = await admin.ensurePreset(ADMIN_ROLE, 'seed');
  await admin.ensurePreset(READ_ONLY_ROLE, 'seed');
  const identifier = options.adminIdentifier ?? 'admin';
  let adminMember = await services.security.findMember(identifier);
  if (!adminMember) {
    await admin.createMember(
      'member',
      {
        identifier,
        firstName: 'PSA',
        lastName: 'Administrator',
        role: adminRole.id,
        ...(options.adminPassword ? { password: options.adminPassword } : {}),
      },
      'seed',
    );
    adminMember = (await services.security.findMember(identifier))!;
  } else if (options.adminPassword && adminMember.passwordHash === null) {
    // An admin seeded before without a password gets the one asked for now; a set one is kept.
    await admin.updateMember(adminMember.id, { password: options.adminPassword }, 'seed');
  }
  const created: Record<string, number> = {};
  if (!options.demo) return { adminMemberId: adminMember.id, created };
  await admin.ensurePreset({ ...ARTICLE_ROLE, name: DEMO_ROLE_NAME }, 'seed');

  const ctx = await systemContext(
    services,
    adminMember.id,
    services.publicOrigin() + `/${services.config.psa.codebase}/apis/3.0`,
  );
  const { engine, records } = services;

  const ensure = async (key: string, match: Doc, body: Doc, parentIds: number[] = [], forcedId?: number) => {
    const def = engine.def(key);
    const [field, value] = Object.entries(match)[0]!;
    const parentId = parentIds[parentIds.length - 1];
    const found = forcedId
      ? await records.get(def.entity, forcedId)
      : (await records.findByText(def.entity, [field], String(value), parentId))[0];
    if (found) return found.id;
    const rec = await engine.create(ctx, def, parentIds, { ...match, ...body }, forcedId);
    created[key] = (created[key] ?? 0) + 1;
    return rec.id as number;
  };

  const companies = [
    ['ParasolMSP', 'Parasol Demo MSP', 'Austin', 'TX'],
    ['AcmeCorp', 'Acme Corporation', 'Denver', 'CO'],
    ['Globex', 'Globex Industries', 'Springfield', 'IL'],
    ['Initech', 'Initech LLC', 'Austin', 'TX'],
    ['UmbrellaDental', 'Umbrella Dental Group', 'Raleigh', 'NC'],
  ] as const;
  for (const [id, name, city, state] of companies) {
    await ensure(
      'company',
      { identifier: id },
      { name, city, state, addressLine1: '1 Main Street', phoneNumber: '555-0100' },
    );
  }

  for (const [description, extra] of [
    ['Email', { emailFlag: true, defaultFlag: true }],
    ['Direct', { phoneFlag: true }],
    ['Cell', { phoneFlag: true }],
    ['Fax', { faxFlag: true }],
    ['Home', { phoneFlag: true }],
    ['Pager', { phoneFlag: true }],
    ['Teams', {}],
  ] as const) {
    await ensure('communicationType', { description }, { ...extra, iphoneXref: '' });
  }

  for (const [name, color, sortOrder, defaultFlag] of [
    ['Priority 1 - Emergency Response', 'Red', 1, false],
    ['Priority 2 - Quick Response', 'Orange', 2, false],
    ['Priority 3 - Normal Response', 'Green', 3, true],
    ['Priority 4 - Schedule Maintenance', 'Blue', 4, false],
  ] as const) {
    await ensure('priority', { name }, { color, sortOrder, defaultFlag });
  }
  for (const [name, defaultFlag] of [
    ['Email', false],
    ['Phone', false],
    ['Portal', true],
    ['Integration', false],
  ] as const) {
    await ensure('source', { name }, { defaultFlag });
  }
  for (const [description, closedFlag, defaultFlag] of [
    ['Active', false, true],
    ['Inactive', true, false],
  ] as const) {
    await ensure('configurationStatus', { description }, { closedFlag, defaultFlag });
  }

  const boards = ['Service Board', 'Security Operations'];
  let firstBoard = 0;
  for (const boardName of boards) {
    const boardId = await ensure(
      'board',
      { name: boardName },
      { location: { id: 1, name: 'Main' }, department: { id: 1, name: 'Service' } },
    );
    firstBoard ||= boardId;
    for (const [name, sortOrder, closedStatus, defaultFlag] of [
      ['New', 1, false, true],
      ['In Progress', 2, false, false],
      ['Waiting Customer', 3, false, false],
      ['Completed', 4, true, false],
      ['Closed', 5, true, false],
    ] as const) {
      await ensure('boardStatus', { name }, { sortOrder, closedStatus, defaultFlag, displayOnBoard: true }, [
        boardId,
      ]);
    }
    for (const name of ['Security Incident', 'Break/Fix', 'Request']) {
      await ensure('boardType', { name }, { category: name === 'Request' ? 'Proactive' : 'Reactive' }, [
        boardId,
      ]);
    }
    for (const name of ['Malware', 'Command and Control', 'Phishing'])
      await ensure('boardSubType', { name }, {}, [boardId]);
    for (const name of ['Workstation', 'Server', 'Network'])
      await ensure('boardItem', { name }, {}, [boardId]);
  }

  await ensure(
    'ticket',
    { summary: 'Welcome to Parasol: demo ticket' },
    {
      company: { identifier: 'AcmeCorp' },
      board: { id: firstBoard },
      initialDescription:
        'This ticket was created by the demo seed; connectwise-rest reads it as ticket 123456.',
      recordType: 'ServiceTicket',
    },
    [],
    DEMO_TICKET_ID,
  );
  return { adminMemberId: adminMember.id, created };
}
