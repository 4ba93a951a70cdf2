// Every ConnectWise collection Parasol serves, declared once: path, schema, permission (the
// declarative endpoint → function/level/Table Setup table), references, uniqueness and hooks.
import { FN, TABLE } from '../catalog/index.js';
import { invalidObject, type PsaError } from '../model/errors.js';
import type { Doc } from '../store/records.js';
import { addition, agreement, agreementType, catalogItem } from './billing-resources.js';
import { CALLBACK_ENTITY } from './callbacks.js';
import type { HookArgs, ResourceDef } from './resource-def.js';
import { ALL_METHODS } from './resource-def.js';

const nameRef = (d: Doc): Doc => ({ id: d.id, name: d.name });

async function defaultOf(args: HookArgs, entity: string, parentId?: number): Promise<Doc | undefined> {
  const rows = await args.store.list(entity, { parentId }, args.trx);
  const active = rows.filter((r) => r.data.inactiveFlag !== true && r.data.inactive !== true);
  const chosen =
    active.find((r) => r.data.defaultFlag === true) ??
    [...active].sort(
      (a, b) => Number(a.data.sortOrder ?? 0) - Number(b.data.sortOrder ?? 0) || a.id - b.id,
    )[0];
  return chosen && { ...chosen.data, id: chosen.id };
}

function missing(resource: string, field: string): PsaError {
  return invalidObject(resource, [{ code: 'NullValue', message: `${field} is required.`, resource, field }]);
}

/**
 * A Table Setup table: gated by System → Table Setup and its allow-list item, named (and made
 * unique, and referenced) by `nameField`. Most setup tables differ only in these few facts.
 */
function setupTable(spec: {
  key: string;
  schema: string;
  label: string;
  path: string;
  table: string;
  nameField?: string;
  extra?: Partial<ResourceDef>;
}): ResourceDef {
  const nameField = spec.nameField ?? 'name';
  return {
    key: spec.key,
    entity: spec.key,
    schema: spec.schema,
    label: spec.label,
    resource: spec.key,
    path: spec.path,
    permission: { function: FN.tableSetup, tableSetupItem: spec.table },
    methods: ALL_METHODS,
    lookup: { name: nameField },
    toRef: (d) => ({ id: d.id, name: d[nameField] }),
    unique: [nameField],
    ...spec.extra,
  };
}

const ticket: ResourceDef = {
  key: 'ticket',
  entity: 'ticket',
  schema: 'Ticket',
  label: 'Ticket',
  resource: 'ticket',
  path: '/service/tickets',
  permission: { function: FN.serviceTickets },
  methods: ALL_METHODS,
  refs: {
    company: { target: 'company' },
    board: { target: 'board' },
    status: { target: 'boardStatus', scopeField: 'board' },
    type: { target: 'boardType', scopeField: 'board' },
    subType: { target: 'boardSubType', scopeField: 'board' },
    item: { target: 'boardItem', scopeField: 'board' },
    priority: { target: 'priority' },
    source: { target: 'source' },
    owner: { target: 'member' },
    agreement: { target: 'agreement' },
  },
  lookup: { name: 'summary' },
  toRef: (d) => ({ id: d.id, summary: d.summary }),
  childHrefs: { notes_href: 'notes', configurations_href: 'configurations' },
  callbackType: 'ticket',
  defaults: { recordType: 'ServiceTicket' },
  writeOnly: ['initialDescription', 'initialInternalAnalysis', 'initialResolution'],
  beforeResolve(record, args) {
    // A ticket moved to another board keeps a status only if the caller names one on the new board.
    const prevBoard = (args.previous?.data.board as Doc | undefined)?.id;
    const board = record.board as Doc | undefined;
    if (args.previous && board && board.id !== prevBoard && args.input.status === undefined) {
      for (const f of ['status', 'type', 'subType', 'item'])
        if (args.input[f] === undefined) delete record[f];
    }
  },
  async beforeSave(record, args) {
    if (!record.company) throw missing('ticket', 'company');
    if (!record.board) {
      const board = await defaultOf(args, 'board');
      if (!board) throw missing('ticket', 'board');
      record.board = nameRef(board);
    }
    const boardId = (record.board as Doc).id as number;
    if (!record.status) {
      const status = await defaultOf(args, 'boardStatus', boardId);
      if (!status) throw missing('ticket', 'status');
      record.status = nameRef(status);
    }
    if (!record.priority) {
      const p = await defaultOf(args, 'priority');
      if (p) record.priority = { id: p.id, name: p.name, sort: p.sortOrder };
    }
    if (!record.source) {
      const s = await defaultOf(args, 'source');
      if (s) record.source = nameRef(s);
    }
    const status = await args.store.get('boardStatus', (record.status as Doc).id as number, args.trx);
    const closed = status?.data.closedStatus === true;
    const wasClosed = args.previous?.data.closedFlag === true;
    record.closedFlag = closed;
    if (closed && !wasClosed) {
      record.closedDate = args.ctx.now;
      record.closedBy = args.ctx.caller.identifier;
    } else if (!closed) {
      delete record.closedDate;
      delete record.closedBy;
    } else {
      record.closedDate = args.previous?.data.closedDate;
      record.closedBy = args.previous?.data.closedBy;
    }
  },
  async afterSave(record, args) {
    if (args.previous) return;
    const notes: Array<[string, Doc]> = [
      ['initialDescription', { detailDescriptionFlag: true }],
      ['initialInternalAnalysis', { internalAnalysisFlag: true }],
      ['initialResolution', { resolutionFlag: true }],
    ];
    for (const [field, flags] of notes) {
      const text = args.input[field];
      if (typeof text !== 'string' || text === '') continue;
      await args.store.insert(
        'serviceNote',
        {
          parentId: args.id,
          data: noteDefaults({ ticketId: args.id, text, ...flags }, args),
          ownerMemberId: args.ctx.caller.memberId,
          at: args.ctx.now,
        },
        args.trx,
      );
    }
    void record;
  },
  ownerOf(record) {
    const owner = record.owner as Doc | undefined;
    return typeof owner?.id === 'number' ? owner.id : undefined;
  },
};

function noteDefaults(note: Doc, args: HookArgs): Doc {
  const who = args.ctx.caller;
  return {
    detailDescriptionFlag: false,
    internalAnalysisFlag: false,
    resolutionFlag: false,
    issueFlag: false,
    internalFlag: false,
    externalFlag: false,
    ...note,
    member: { id: who.memberId, identifier: who.identifier, name: who.name },
    dateCreated: args.ctx.now,
    createdBy: who.identifier,
    _info: { lastUpdated: args.ctx.now, updatedBy: who.identifier },
  };
}

const serviceNote: ResourceDef = {
  key: 'serviceNote',
  entity: 'serviceNote',
  schema: 'ServiceNote',
  label: 'Service note',
  resource: 'serviceNote',
  path: '/service/tickets/{parentId}/notes',
  parent: { resource: 'ticket', idField: 'ticketId' },
  permission: { function: FN.serviceTickets },
  methods: ALL_METHODS,
  beforeSave(record, args) {
    if (typeof record.text !== 'string' || record.text.trim() === '') throw missing('serviceNote', 'text');
    const flags = ['detailDescriptionFlag', 'internalAnalysisFlag', 'resolutionFlag'];
    // ConnectWise wants one of the three flags; a note without any is taken as a discussion note.
    if (!flags.some((f) => record[f] === true)) record.detailDescriptionFlag = true;
    if (!args.previous) {
      Object.assign(record, noteDefaults(record, args));
    } else {
      for (const f of ['member', 'dateCreated', 'createdBy']) record[f] = args.previous.data[f];
    }
  },
};

const company: ResourceDef = {
  key: 'company',
  entity: 'company',
  schema: 'Company',
  label: 'Company',
  resource: 'company',
  path: '/company/companies',
  permission: { function: FN.companyMaintenance },
  methods: ALL_METHODS,
  refs: { territoryManager: { target: 'member' } },
  lookup: { identifier: 'identifier', name: 'name' },
  toRef: (d) => ({ id: d.id, identifier: d.identifier, name: d.name }),
  unique: ['identifier'],
  callbackType: 'company',
  defaults: { status: { id: 1, name: 'Active' }, deletedFlag: false, leadFlag: false, isVendorFlag: false },
  inUse: [
    { resource: 'ticket', field: 'company' },
    { resource: 'configuration', field: 'company' },
    { resource: 'agreement', field: 'company' },
  ],
  ownerOf(record) {
    const m = record.territoryManager as Doc | undefined;
    return typeof m?.id === 'number' ? m.id : undefined;
  },
};

const communicationType = setupTable({
  key: 'communicationType',
  schema: 'CommunicationType',
  label: 'Communication type',
  path: '/company/communicationTypes',
  table: TABLE.communicationType,
  nameField: 'description',
  extra: {
    exclusiveDefault: true,
    defaults: {
      phoneFlag: false,
      faxFlag: false,
      emailFlag: false,
      defaultFlag: false,
      iphoneXref: '',
      androidXref: '',
    },
  },
});

const configuration: ResourceDef = {
  key: 'configuration',
  entity: 'configuration',
  schema: 'Company.Configuration',
  label: 'Configuration',
  resource: 'configuration',
  path: '/company/configurations',
  permission: { function: FN.configurations },
  methods: ALL_METHODS,
  refs: {
    company: { target: 'company' },
    type: { target: 'configurationType' },
    status: { target: 'configurationStatus' },
    installedBy: { target: 'member' },
  },
  lookup: { name: 'name' },
  toRef: (d) => ({ id: d.id, deviceIdentifier: d.deviceIdentifier }),
  callbackType: 'configuration',
  defaults: { activeFlag: true, billFlag: false },
  async beforeSave(record, args) {
    if (!record.type) throw missing('configuration', 'type');
    if (!record.company) throw missing('configuration', 'company');
    if (!record.status) {
      const s = await defaultOf(args, 'configurationStatus');
      if (s) record.status = { id: s.id, name: s.description };
    }
    record.questions = await normaliseAnswers(record, args);
  },
  render: renderAnswers,
};

/** Keeps answers to questions of the configuration's type, with stable answer ids. */
async function normaliseAnswers(record: Doc, args: HookArgs): Promise<Doc[]> {
  const typeId = (record.type as Doc).id as number;
  const questions = await args.store.list('configurationTypeQuestion', { parentId: typeId }, args.trx);
  const byId = new Map(questions.map((q) => [q.id, q]));
  const previous = new Map<number, Doc>();
  const prevType = (args.previous?.data.type as Doc | undefined)?.id;
  if (prevType === typeId) {
    for (const a of (args.previous?.data.questions as Doc[] | undefined) ?? [])
      previous.set(a.questionId as number, a);
  }
  const input = (record.questions as Doc[] | undefined | null) ?? [];
  const answers: Doc[] = [];
  const issues = [];
  for (const [i, a] of input.entries()) {
    const qid = a.questionId;
    if (typeof qid !== 'number' || !byId.has(qid)) {
      issues.push({
        code: 'InvalidField',
        message: `questionId ${String(qid)} is not a question of configuration type ${typeId}.`,
        resource: 'configuration',
        field: `questions[${i}]/questionId`,
      });
      continue;
    }
    if (a.answer === undefined || a.answer === null || a.answer === '') continue;
    const answerId =
      (previous.get(qid)?.answerId as number | undefined) ??
      (await args.store.nextId('configurationAnswer', args.trx));
    answers.push({ questionId: qid, answerId, answer: a.answer });
  }
  if (issues.length) throw invalidObject('configuration', issues);
  return answers;
}

/** One `questions[]` element per question of the type, with the stored answer when there is one. */
async function renderAnswers(docs: Doc[], store: import('../store/records.js').RecordStore): Promise<void> {
  const cache = new Map<number, import('../store/records.js').StoredRecord[]>();
  for (const doc of docs) {
    const typeId = (doc.type as Doc | undefined)?.id;
    if (typeof typeId !== 'number') continue;
    let questions = cache.get(typeId);
    if (!questions) {
      questions = await store.list('configurationTypeQuestion', { parentId: typeId });
      cache.set(typeId, questions);
    }
    const answers = new Map(((doc.questions as Doc[] | undefined) ?? []).map((a) => [a.questionId, a]));
    doc.questions = questions
      .filter((q) => q.data.inactiveFlag !== true)
      .sort((a, b) => Number(a.data.sequenceNumber ?? 0) - Number(b.data.sequenceNumber ?? 0) || a.id - b.id)
      .map((q) => {
        const a = answers.get(q.id);
        return {
          ...(a ? { answerId: a.answerId } : {}),
          questionId: q.id,
          question: q.data.question,
          ...(a ? { answer: a.answer } : {}),
          sequenceNumber: q.data.sequenceNumber,
          numberOfDecimals: q.data.numberOfDecimals ?? 0,
          fieldType: q.data.fieldType,
          requiredFlag: q.data.requiredFlag === true,
        };
      });
  }
}

const configurationType = setupTable({
  key: 'configurationType',
  schema: 'ConfigurationType',
  label: 'Configuration type',
  path: '/company/configurations/types',
  table: TABLE.configuration,
  extra: {
    defaults: { inactiveFlag: false, systemFlag: false },
    childHrefs: { questions_href: 'questions' },
    inUse: [{ resource: 'configuration', field: 'type' }],
  },
});

const configurationTypeQuestion: ResourceDef = {
  key: 'configurationTypeQuestion',
  entity: 'configurationTypeQuestion',
  schema: 'ConfigurationTypeQuestion',
  label: 'Configuration type question',
  resource: 'configurationTypeQuestion',
  path: '/company/configurations/types/{parentId}/questions',
  parent: { resource: 'configurationType', refField: 'configurationType' },
  permission: { function: FN.tableSetup, tableSetupItem: TABLE.configuration },
  methods: ALL_METHODS,
  lookup: { name: 'question' },
  toRef: (d) => ({ id: d.id, name: d.question }),
  unique: ['question'],
  defaults: {
    entryType: 'EntryField',
    sequenceNumber: 0,
    numberOfDecimals: 0,
    requiredFlag: false,
    inactiveFlag: false,
  },
  childHrefs: { values_href: 'values' },
  async beforeSave(record, args) {
    // Questions added without a position go after the existing ones.
    const given = Object.keys(args.input).some((k) => k.toLowerCase() === 'sequencenumber');
    if (!args.previous && (!given || record.sequenceNumber === 0)) {
      const siblings = await args.store.list(
        'configurationTypeQuestion',
        { parentId: args.parentIds[0]! },
        args.trx,
      );
      if (!given)
        record.sequenceNumber = Math.max(0, ...siblings.map((q) => Number(q.data.sequenceNumber ?? 0))) + 1;
    }
  },
};

const configurationTypeQuestionValue: ResourceDef = {
  key: 'configurationTypeQuestionValue',
  entity: 'configurationTypeQuestionValue',
  schema: 'ConfigurationTypeQuestionValue',
  label: 'Configuration type question value',
  resource: 'configurationTypeQuestionValue',
  path: '/company/configurations/types/{grandparentId}/questions/{parentId}/values',
  parent: { resource: 'configurationTypeQuestion', refField: 'question' },
  permission: { function: FN.tableSetup, tableSetupItem: TABLE.configuration },
  methods: ALL_METHODS,
  lookup: { name: 'value' },
  toRef: (d) => ({ id: d.id, name: d.value }),
  defaults: { defaultFlag: false, inactiveFlag: false },
  async beforeSave(record, args) {
    const typeId = args.parentIds[0]!;
    const type = await args.store.get('configurationType', typeId, args.trx);
    record.configurationType = { id: typeId, name: type?.data.name };
  },
};

const configurationStatus = setupTable({
  key: 'configurationStatus',
  schema: 'ConfigurationStatus',
  label: 'Configuration status',
  path: '/company/configurations/statuses',
  table: TABLE.configurationStatus,
  nameField: 'description',
  extra: {
    exclusiveDefault: true,
    defaults: { closedFlag: false, defaultFlag: false },
    inUse: [{ resource: 'configuration', field: 'status' }],
  },
});

const board = setupTable({
  key: 'board',
  schema: 'Board',
  label: 'Board',
  path: '/service/boards',
  table: TABLE.serviceBoard,
  extra: {
    defaults: { inactiveFlag: false, projectFlag: false },
    childHrefs: {
      statuses_href: 'statuses',
      types_href: 'types',
      subtypes_href: 'subtypes',
      items_href: 'items',
    },
    inUse: [{ resource: 'ticket', field: 'board' }],
  },
});

function boardChild(
  key: string,
  schema: string,
  label: string,
  sub: string,
  ticketField: string,
  extra: Partial<ResourceDef> = {},
): ResourceDef {
  return setupTable({
    key,
    schema,
    label,
    path: `/service/boards/{parentId}/${sub}`,
    table: TABLE.serviceBoard,
    extra: {
      parent: { resource: 'board', refField: 'board' },
      inUse: [{ resource: 'ticket', field: ticketField }],
      ...extra,
    },
  });
}

const boardStatus = boardChild('boardStatus', 'BoardStatus', 'Status', 'statuses', 'status', {
  exclusiveDefault: true,
  defaults: {
    sortOrder: 0,
    displayOnBoard: true,
    inactive: false,
    closedStatus: false,
    timeEntryNotAllowed: false,
    defaultFlag: false,
    escalationStatus: 'NotResponded',
    customerPortalFlag: false,
  },
});
const boardType = boardChild('boardType', 'BoardType', 'Type', 'types', 'type', {
  defaults: { category: 'Reactive', defaultFlag: false, inactiveFlag: false, requestForChangeFlag: false },
});
const boardSubType = boardChild('boardSubType', 'BoardSubType', 'Subtype', 'subtypes', 'subType', {
  defaults: { inactiveFlag: false },
});
const boardItem = boardChild('boardItem', 'BoardItem', 'Item', 'items', 'item', {
  defaults: { inactiveFlag: false },
});

const priority = setupTable({
  key: 'priority',
  schema: 'Priority',
  label: 'Priority',
  path: '/service/priorities',
  table: TABLE.priority,
  extra: {
    toRef: (d) => ({ id: d.id, name: d.name, sort: d.sortOrder }),
    exclusiveDefault: true,
    defaults: { color: 'Green', sortOrder: 0, defaultFlag: false },
    inUse: [{ resource: 'ticket', field: 'priority' }],
  },
});

const source = setupTable({
  key: 'source',
  schema: 'Source',
  label: 'Source',
  path: '/service/sources',
  table: TABLE.source,
  extra: {
    exclusiveDefault: true,
    defaults: { defaultFlag: false },
    inUse: [{ resource: 'ticket', field: 'source' }],
    beforeSave(record, args) {
      if (!args.previous) {
        record.enteredBy = args.ctx.caller.identifier;
        record.dateEntered = args.ctx.now;
      } else {
        record.enteredBy = args.previous.data.enteredBy;
        record.dateEntered = args.previous.data.dateEntered;
      }
    },
  },
});

const callback: ResourceDef = {
  key: 'callback',
  entity: CALLBACK_ENTITY,
  schema: 'CallbackEntry',
  label: 'Callback',
  resource: 'callbackEntry',
  path: '/system/callbacks',
  // Registering callbacks is an integration-hosting right in ConnectWise: System → Manage Hosted API.
  permission: { function: FN.manageHostedApi },
  methods: ALL_METHODS,
  lookup: { name: 'description' },
  defaults: {
    level: 'owner',
    objectId: 1,
    inactiveFlag: false,
    isSoapCallbackFlag: false,
    isSelfSuppressedFlag: false,
  },
  beforeSave(record, args) {
    for (const f of ['url', 'type'])
      if (typeof record[f] !== 'string' || record[f] === '') throw missing('callbackEntry', f);
    try {
      const u = new URL(String(record.url));
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    } catch {
      throw invalidObject('callbackEntry', [
        {
          code: 'InvalidField',
          message: 'url must be an absolute http(s) URL.',
          resource: 'callbackEntry',
          field: 'url',
        },
      ]);
    }
    record.memberId = args.previous?.data.memberId ?? args.ctx.caller.memberId;
  },
};

/** Read-only ConnectWise views of the security model, kept up to date by the admin service. */
function securityView(key: string, schema: string, label: string, path: string, fn: string): ResourceDef {
  return {
    key,
    entity: key,
    schema,
    label,
    resource: key,
    path,
    permission: { function: fn },
    methods: ['list', 'get'],
    lookup: { identifier: 'identifier', name: 'name' },
    toRef: (d) => ({ id: d.id, identifier: d.identifier, name: d.name }),
  };
}

export const MEMBER_VIEW = 'member';
export const API_MEMBER_VIEW = 'apiMember';
export const ROLE_VIEW = 'securityRole';

export const RESOURCES: ResourceDef[] = [
  securityView(MEMBER_VIEW, 'Member', 'Member', '/system/members', FN.memberMaintenance),
  securityView(API_MEMBER_VIEW, 'ApiMember', 'API member', '/system/apiMembers', FN.memberMaintenance),
  securityView(ROLE_VIEW, 'SecurityRole', 'Security role', '/system/securityroles', FN.securityRoles),
  company,
  communicationType,
  configuration,
  configurationType,
  configurationTypeQuestion,
  configurationTypeQuestionValue,
  configurationStatus,
  ticket,
  serviceNote,
  board,
  boardStatus,
  boardType,
  boardSubType,
  boardItem,
  priority,
  source,
  callback,
  agreementType,
  agreement,
  addition,
  catalogItem,
];

export const REGISTRY: ReadonlyMap<string, ResourceDef> = new Map(RESOURCES.map((r) => [r.key, r]));
