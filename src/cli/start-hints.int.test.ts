// The sign-in steps `parasol start` prints, against the state of each database: all three on an
// empty one; the console's existing first provider named (quoted for the shell) instead of a new
// one; a read-only console user or a PSA member without an Admin role does not count as a way in;
// nothing once an admin can sign in to each. And the commands they print: `--generate` and
// `--generate-password` set a password that signs in and print it once.
import { afterEach, describe, expect, it } from 'vitest';
import { call, parasol } from '../../test/console/support.js';
import { databaseKinds } from '../../test/support/databases.js';
import { startTestPsa, type TestPsa } from '../../test/support/psa-server.js';
import { signInSteps } from './start-hints.js';

const PASSWORD = 'a long enough passphrase';
const PSA_STEP = 'npm run parasol -- psa member password admin --generate';

describe.each(databaseKinds)('sign-in steps on %s', (db) => {
  let psa: TestPsa | undefined;
  afterEach(async () => psa?.close());

  it('lists what is still needed to sign in to either UI', async () => {
    psa = await startTestPsa({ db, demo: false });
    const { running } = psa;
    const { accounts } = running.console.services;
    const { admin } = running.psa.services;
    expect(await signInSteps(running)).toEqual([
      PSA_STEP,
      'npm run parasol -- console provider create "My MSP" --kind MSP',
      'npm run parasol -- console user create admin@msp.example --provider "My MSP" --generate-password',
    ]);

    const provider = await accounts.createProvider({ name: "Bob's MSP", kind: 'MSSP' }, 'test');
    await accounts.createProvider({ name: 'Later MSP', kind: 'MSP' }, 'test');
    const userStep = `npm run parasol -- console user create admin@msp.example --provider "Bob's MSP" --generate-password`;
    expect(await signInSteps(running)).toEqual([PSA_STEP, userStep]);

    await accounts.createUser(
      provider.id,
      { email: 'viewer@msp.example', name: 'Viewer', role: 'read-only', password: PASSWORD },
      'test',
    );
    await admin.createMember(
      'member',
      { identifier: 'reader', role: 'Read Only', password: PASSWORD },
      'test',
    );
    expect(await signInSteps(running)).toEqual([PSA_STEP, userStep]);

    await accounts.createUser(
      provider.id,
      { email: 'boss@msp.example', name: 'Boss', role: 'admin', password: PASSWORD },
      'test',
    );
    expect(await signInSteps(running)).toEqual([PSA_STEP]);

    await admin.updateMember((await admin.getMember('admin')).id, { password: PASSWORD }, 'test');
    expect(await signInSteps(running)).toEqual([]);

    // An inactive admin cannot sign in: the steps come back, activating it first.
    await admin.updateMember((await admin.getMember('admin')).id, { inactiveFlag: true }, 'test');
    expect(await signInSteps(running)).toEqual(['npm run parasol -- psa member activate admin', PSA_STEP]);
  });

  it('--generate and --generate-password set a password that signs in, printed once', async () => {
    psa = await startTestPsa({ db, demo: false });
    const set = await parasol(psa, ['psa', 'member', 'password', 'admin', '--generate']);
    expect(set.code, set.err).toBe(0);
    const psaPassword = set.out.match(
      /^PSA admin UI sign-in: admin \/ ([A-Za-z0-9]{24}) {2}\(shown once/m,
    )?.[1];
    expect(psaPassword, set.out).toBeDefined();
    const psaIn = await psa.fetch(`${psa.origin}/admin/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: 'admin', password: psaPassword }),
    });
    expect(psaIn.status).toBe(200);

    expect((await parasol(psa, ['console', 'provider', 'create', 'Gen MSP', '--kind', 'MSP'])).code).toBe(0);
    const create = ['console', 'user', 'create', 'gen@msp.example', '--provider', 'Gen MSP'];
    for (const flags of [[], ['--password-stdin', '--generate-password']]) {
      const refused = await parasol(psa, [...create, ...flags], PASSWORD);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/--password-stdin \(never on the command line\), or --generate-password/);
    }
    const made = await parasol(psa, [...create, '--generate-password', '--json']);
    expect(made.code, made.err).toBe(0);
    const user = JSON.parse(made.out) as Record<string, unknown>;
    expect(user).toMatchObject({ email: 'gen@msp.example', role: 'admin' });
    expect(user.generatedPassword).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(JSON.stringify(user)).not.toMatch(/scrypt|passwordHash/i);
    const conIn = await call(psa, undefined, 'POST', '/api/v1/session', {
      body: { email: 'gen@msp.example', password: user.generatedPassword },
    });
    expect(conIn.status).toBe(200);
  });
});
