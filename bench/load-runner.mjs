// Load generator for bench/psa-api.bench.ts, run as a child process (`node bench/load-runner.mjs
// '<json>'`) so that autocannon's own work (TLS, parsing responses) does not share the event loop
// of the server under test. Plain JavaScript on purpose: the child starts without a TypeScript
// loader. Input: {url, headers, connections, warmupSeconds, durationSeconds}. Output: one JSON line
// on stdout when the measured run starts, and one with its result (the warm-up is discarded).
import autocannon from 'autocannon';

const spec = JSON.parse(process.argv[2] ?? '{}');

async function load(duration) {
  // HTTPS with keep-alive connections; autocannon does not check the server's certificate, so the
  // servers' self-signed certificate needs no extra option here.
  return autocannon({
    url: spec.url,
    headers: spec.headers ?? {},
    connections: spec.connections ?? 10,
    duration,
  });
}

if (spec.warmupSeconds > 0) await load(spec.warmupSeconds);
// Tells the parent that the measured run starts now, so it can read its own CPU time over it.
process.stdout.write(`${JSON.stringify({ phase: 'measure' })}\n`);
const r = await load(spec.durationSeconds ?? 8);
const seconds = (r.finish - r.start) / 1000 || r.duration;
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: r['2xx'] / seconds,
    completed: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
    seconds,
  })}\n`,
);
