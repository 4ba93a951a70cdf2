// What a plain `parasol start` prints after the URLs: the steps still to do, as commands that work
// pasted in the printed order from Parasol's folder. Each step is checked against the database, so
// a step done is no longer printed (nothing is once all are). Sign-in comes first: on an empty data
// folder the PSA's admin has no password and the console has no user, so nobody can sign in to
// either UI until those commands run; each generates a strong password and prints it once.
import type { Running } from '../main.js';

const CMD = 'npm run parasol --';
/** The member `parasol start` seeds (seedPsa's default admin). */
const SEEDED_ADMIN = 'admin';
/** The API member the start-up hints (and the README) create for the article's integration. */
const HINT_API_MEMBER = 'umbrella';
/** The first provider and console admin the hints create: the README's names. */
export const FIRST_PROVIDER = 'My MSP';
export const FIRST_CONSOLE_ADMIN = 'admin@msp.example';

/** A word as a shell reads it back unchanged. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  // Double quotes read as the README writes names, unless the word holds what they still expand.
  if (!/["$`\\!]/.test(word)) return `"${word}"`;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Whether an active member with an Admin role has a password, i.e. can sign in to the admin UI. */
async function psaAdminCanSignIn(running: Running): Promise<boolean> {
  const { admin } = running.psa.services;
  const adminRoles = new Set((await admin.listRoles()).filter((r) => r.adminFlag).map((r) => r.id));
  return (await admin.listMembers('member')).some(
    (m) => m.hasPassword && !m.inactiveFlag && adminRoles.has(m.roleId),
  );
}

/** The commands that let someone sign in to the PSA admin UI and to the console, still to run. */
export async function signInSteps(running: Running): Promise<string[]> {
  const steps: string[] = [];
  if (!(await psaAdminCanSignIn(running))) {
    const seeded = await running.psa.services.security.findMember(SEEDED_ADMIN);
    if (seeded?.inactiveFlag) steps.push(`${CMD} psa member activate ${SEEDED_ADMIN}`);
    steps.push(`${CMD} psa member password ${SEEDED_ADMIN} --generate`);
  }
  const { store } = running.console.services;
  if (!(await store.anyAdminUser())) {
    let provider = (await store.listProviders())[0]?.name;
    if (provider === undefined) {
      provider = FIRST_PROVIDER;
      steps.push(`${CMD} console provider create ${shellWord(provider)} --kind MSP`);
    }
    steps.push(
      `${CMD} console user create ${FIRST_CONSOLE_ADMIN} --provider ${shellWord(provider)} --generate-password`,
    );
  }
  return steps;
}

/** The article's steps still to do on this PSA: the role, the API member, its key. */
export async function articleSteps(running: Running): Promise<string[]> {
  const { security, admin } = running.psa.services;
  const { ARTICLE_ROLE } = await import('../psa/catalog/presets.js');
  const steps: string[] = [];
  if (!(await security.findRole(ARTICLE_ROLE.name)))
    steps.push(`${CMD} psa role create ${ARTICLE_ROLE.name} --preset article`);
  const member = await security.findMember(HINT_API_MEMBER);
  if (!member)
    steps.push(
      `${CMD} psa api-member create ${HINT_API_MEMBER} --role ${ARTICLE_ROLE.name} --name "Umbrella"`,
    );
  if (!member || !(await admin.listKeys(member.id)).some((k) => !k.revokedAt))
    steps.push(`${CMD} psa key create ${HINT_API_MEMBER} --description "Umbrella PSA Integration"`);
  return steps;
}

/** Settings a command must share with the server to reach the same data (never printed). */
const DATA_SETTINGS = ['PARASOL_DATA_DIR', 'DATABASE_URL', 'PARASOL_CONFIG'];

/** The lines `parasol start` prints: each group of steps under its heading, groups done left out. */
export async function nextSteps(
  running: Running,
  options: { env: Record<string, string | undefined> },
): Promise<string[]> {
  const shared = DATA_SETTINGS.filter((name) => options.env[name]);
  const where = `in Parasol's folder${shared.length ? ` with this process's ${shared.join(', ')}` : ''}`;
  const groups: Array<[string, string[]]> = [
    [
      `To sign in, run ${where} (in this order; passwords are generated and shown once):`,
      await signInSteps(running),
    ],
    ["The article's steps (role, API member, key):", await articleSteps(running)],
  ];
  return groups.flatMap(([heading, steps]) =>
    steps.length ? [`  ${heading}`, ...steps.map((s) => `    ${s}`)] : [],
  );
}
