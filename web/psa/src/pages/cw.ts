// Shapes of the ConnectWise records the screens read (only the fields they show).
export interface Ref {
  id: number;
  name?: string;
  identifier?: string;
}

export interface Company {
  id: number;
  identifier: string;
  name: string;
  addressLine1?: string;
  city?: string;
  state?: string;
  zip?: string;
  phoneNumber?: string;
  website?: string;
  status?: Ref;
  territoryManager?: Ref;
}

export interface ConfigurationAnswer {
  questionId: number;
  question: string;
  answer?: unknown;
  fieldType?: string;
  requiredFlag?: boolean;
}

export interface Configuration {
  id: number;
  name: string;
  type: Ref;
  company: Ref;
  status?: Ref;
  serialNumber?: string;
  notes?: string;
  questions?: ConfigurationAnswer[];
}

export interface Ticket {
  id: number;
  summary: string;
  board?: Ref;
  status?: Ref;
  company?: Ref;
  priority?: Ref;
  type?: Ref;
  initialDescription?: string;
  _info?: { lastUpdated?: string; dateEntered?: string; enteredBy?: string };
}

export interface Note {
  id: number;
  text: string;
  detailDescriptionFlag?: boolean;
  internalAnalysisFlag?: boolean;
  resolutionFlag?: boolean;
  createdBy?: string;
  dateCreated?: string;
  _info?: { dateEntered?: string; enteredBy?: string };
}

export interface Named {
  id: number;
  name?: string;
  description?: string;
  question?: string;
  sortOrder?: number;
  defaultFlag?: boolean;
  closedStatus?: boolean;
  inactiveFlag?: boolean;
  color?: string;
  fieldType?: string;
  requiredFlag?: boolean;
  sequenceNumber?: number;
}

/** A string value in the conditions syntax: in double quotes, a quote inside doubled. */
export function quoted(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

export interface Agreement {
  id: number;
  name: string;
  type?: Ref;
  company?: Ref;
  agreementStatus?: string;
  cancelledFlag?: boolean;
  startDate?: string;
  endDate?: string;
}

export interface Addition {
  id: number;
  product?: Ref;
  description?: string;
  quantity?: number;
  lessIncluded?: number;
  billedQuantity?: number;
  unitPrice?: number;
  unitCost?: number;
  effectiveDate?: string;
  cancelledDate?: string;
  prorateCurrentPeriodFlag?: boolean;
  agreementStatus?: string;
}
