// Sign-in flood for test/sign-in/flood.ts, run as a child process (`node flood-client.mjs '<json>'`)
// so that the attackers' TLS and parsing do not share the event loop of the server they attack.
// Each of `clients` connections comes from its own loopback address (127.0.0.<first + i>), as a
// botnet's would, and posts sign-ins with random accounts back to back, ignoring Retry-After.
// Plain JavaScript on purpose: the child starts without a TypeScript loader.
// Input: {consoleUrl, psaUrl, clients, firstAddress, seconds}. Output: one JSON line with the counts.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';

const spec = JSON.parse(process.argv[2] ?? '{}');
const statuses = {};
const latencies = [];
const deadline = performance.now() + spec.seconds * 1000;

async function client(i) {
  const agent = new Agent({
    localAddress: `127.0.0.${spec.firstAddress + i}`,
    connect: { rejectUnauthorized: false },
  });
  for (let n = i; performance.now() < deadline; n++) {
    // Half against the console, half against the PSA admin UI, each with a fresh random account.
    const name = randomBytes(6).toString('hex');
    const toConsole = n % 2 === 0;
    const body = toConsole
      ? { email: `${name}@flood.test`, password: `${name} password` }
      : { identifier: name, password: `${name} password` };
    const t0 = performance.now();
    try {
      const res = await request(toConsole ? spec.consoleUrl : spec.psaUrl, {
        method: 'POST',
        dispatcher: agent,
        // The flood ends at its deadline: whatever is still waiting then is abandoned.
        signal: AbortSignal.timeout(Math.max(1, Math.ceil(deadline - t0))),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.body.text();
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    } catch (e) {
      const key = e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'abandoned' : 'error';
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    latencies.push(performance.now() - t0);
  }
  await agent.close();
}

await Promise.all(Array.from({ length: spec.clients }, (_, i) => client(i)));
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ statuses, attempts: latencies.length, p50: at(0.5), p95: at(0.95) })}\n`,
);
