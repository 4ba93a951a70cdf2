// Keeps the ConnectWise-shaped, read-only views of members, API members and roles (served at
// /system/members, /system/apiMembers, /system/securityroles) in step with the security tables,
// so those endpoints get the same conditions, paging and fields as every other collection.
import type { Doc, RecordStore } from '../store/records.js';
import type { SecurityStore } from '../store/security.js';
import { API_MEMBER_VIEW, MEMBER_VIEW, ROLE_VIEW } from './resources.js';

async function upsert(
  records: RecordStore,
  entity: string,
  id: number,
  data: Doc,
  owner: number | null,
  at: string,
) {
  if (await records.get(entity, id)) await records.update(entity, id, data, at, owner);
  else await records.insert(entity, { id, data, ownerMemberId: owner, at });
}

export async function writeMemberView(
  records: RecordStore,
  security: SecurityStore,
  memberId: number,
): Promise<void> {
  const m = await security.findMember(memberId);
  if (!m) return;
  const role = await security.findRole(m.roleId);
  const securityRole = { id: m.roleId, name: role?.name ?? '' };
  const info = { dateEntered: m.createdAt, lastUpdated: m.updatedAt };
  const other = m.kind === 'api' ? MEMBER_VIEW : API_MEMBER_VIEW;
  if (await records.get(other, m.id)) await records.delete(other, m.id);
  if (m.kind === 'api') {
    const doc: Doc = {
      id: m.id,
      identifier: m.identifier,
      name: String(m.data.name ?? m.identifier),
      ...(m.email ? { emailAddress: m.email } : {}),
      inactiveFlag: m.inactiveFlag,
      ...(m.inactiveDate ? { inactiveDate: m.inactiveDate } : {}),
      securityRole,
      ...(m.data.notes ? { notes: String(m.data.notes) } : {}),
      _info: info,
    };
    await upsert(records, API_MEMBER_VIEW, m.id, doc, m.id, m.updatedAt);
  } else {
    const doc: Doc = {
      id: m.id,
      identifier: m.identifier,
      firstName: m.firstName,
      lastName: m.lastName,
      licenseClass: 'F',
      inactiveFlag: m.inactiveFlag,
      ...(m.inactiveDate ? { inactiveDate: m.inactiveDate } : {}),
      ...(m.email ? { officeEmail: m.email, primaryEmail: m.email } : {}),
      defaultEmail: 'Office',
      defaultPhone: 'Office',
      securityRole,
      adminFlag: role?.adminFlag ?? false,
      hireDate: m.createdAt,
      _info: info,
    };
    await upsert(records, MEMBER_VIEW, m.id, doc, m.id, m.updatedAt);
  }
}

export async function writeRoleView(
  records: RecordStore,
  security: SecurityStore,
  roleId: number,
): Promise<void> {
  const r = await security.findRole(roleId);
  if (!r) {
    await records.delete(ROLE_VIEW, roleId);
    return;
  }
  const doc: Doc = {
    id: r.id,
    name: r.name,
    adminFlag: r.adminFlag,
    inactiveFlag: r.inactiveFlag,
    _info: { dateEntered: r.createdAt, lastUpdated: r.updatedAt },
  };
  await upsert(records, ROLE_VIEW, r.id, doc, null, r.updatedAt);
  for (const kind of ['member', 'api'] as const) {
    for (const m of await security.listMembers(kind))
      if (m.roleId === roleId) await writeMemberView(records, security, m.id);
  }
}
