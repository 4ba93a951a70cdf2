// The questions of the configuration type the console keeps in the PSA (CON-8), as
// src/console/config-sync/questions.ts defines them (a unit test compares the two): each with its key,
// the question text written to the PSA and its ConnectWise field type.
import { SECURITY_CATEGORIES } from './types.js';

const CATEGORY_TEXT: Record<(typeof SECURITY_CATEGORIES)[number], string> = {
  malware: 'Malware',
  'command-and-control': 'Command and control',
  phishing: 'Phishing',
  cryptomining: 'Cryptomining',
  'newly-seen': 'Newly seen domains',
  'dynamic-dns': 'Dynamic DNS',
  tunneling: 'DNS tunneling',
  'potentially-harmful': 'Potentially harmful',
  'other-security': 'Other security',
};

export interface ConfigQuestion {
  key: string;
  question: string;
  fieldType: string;
}

export const CONFIG_QUESTIONS: readonly ConfigQuestion[] = [
  { key: 'service-status', question: 'Service status', fieldType: 'Text' },
  { key: 'last-event', question: 'Last event received', fieldType: 'Date' },
  { key: 'counts-day', question: 'Counts for (UTC day)', fieldType: 'Text' },
  { key: 'active-identities', question: 'Active identities', fieldType: 'Number' },
  { key: 'dns-requests', question: 'DNS requests', fieldType: 'Number' },
  { key: 'blocked-requests', question: 'Blocked requests', fieldType: 'Number' },
  ...SECURITY_CATEGORIES.map((c) => ({
    key: `security-blocks:${c}`,
    question: `Security blocks: ${CATEGORY_TEXT[c]}`,
    fieldType: 'Number',
  })),
  { key: 'threats-prevented', question: 'Threats prevented', fieldType: 'Number' },
  { key: 'infections-contained', question: 'Infections contained', fieldType: 'Number' },
  { key: 'top-blocked-domains', question: 'Top blocked domains', fieldType: 'TextArea' },
  { key: 'top-allowed-domains', question: 'Top allowed domains', fieldType: 'TextArea' },
  { key: 'last-synchronized', question: 'Last synchronized', fieldType: 'Date' },
];
