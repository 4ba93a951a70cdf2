// `parasol ingest PATH|s3://bucket/prefix --provider P`: ingests Umbrella DNS log files (CON-5),
// each exactly once, with a progress bar on a terminal (rows, MB/s, ETA) and plain progress lines
// otherwise; and `parasol console binding …`: the source bindings that route events to customers.

import { Command } from 'commander';
import type { IngestProgress, IngestSummary } from '../console/ingest/index.js';
import { ConsoleError } from '../console/service/errors.js';
import type { ConsoleServices } from '../console/service/services.js';
import { customerId, providerId, withConsole } from './console-support.js';
import { type CliIo, processIo } from './io.js';

const ACTOR = 'cli';

// Imported when a command runs: ingestion loads the S3 client only for s3:// locations.
const ingestion = async (s: ConsoleServices) => (await import('../console/ingest/index.js')).ingestion(s);
const remoteSources = async (s: ConsoleServices) =>
  (await import('../console/sources-remote/index.js')).remoteSources(s);
/** Bad lines listed in the summary (all are counted; the console keeps up to 100 per file). */
const SHOWN_ERRORS = 10;

function count(raw: string, what: string, min = 0, max = 64): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConsoleError('invalid', `${what} must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

const mb = (bytes: number) => bytes / 1e6;
const grouped = (n: number) => Math.round(n).toLocaleString('en-US');

function rates(p: IngestProgress) {
  const seconds = Math.max(0.001, (Date.now() - p.startedAt) / 1000);
  const read = p.bytesDone - p.bytesSkipped;
  const mbps = mb(read) / seconds;
  const left = p.bytesTotal - p.bytesDone;
  const eta = read > 0 && left > 0 ? (left / read) * seconds : 0;
  return { seconds, mbps, eta };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Progress on a terminal: a bar by bytes with rows, MB/s and ETA. */
async function barReporter(stream: NodeJS.WriteStream) {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: ' {bar} {percentage}% | {files} files | {rows} rows | {mbps} MB/s | ETA {etaText}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      fps: 8,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p: IngestProgress) {
      const { mbps, eta } = rates(p);
      const payload = {
        files: `${p.filesDone}/${p.files}`,
        rows: grouped(p.rows),
        mbps: mbps.toFixed(1),
        etaText: p.bytesDone >= p.bytesTotal ? '0 s' : formatSeconds(eta),
      };
      const total = Math.max(1, p.bytesTotal);
      if (!started) {
        bar.start(total, Math.min(p.bytesDone, total), payload);
        started = true;
      } else bar.update(Math.min(p.bytesDone, total), payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Progress without a terminal (logs, CI, pipes): one plain line per second at most. */
function lineReporter(io: CliIo) {
  let last = 0;
  let lastLine = '';
  const line = (p: IngestProgress) => {
    const { mbps, eta } = rates(p);
    return (
      `progress: ${p.filesDone}/${p.files} files, ${grouped(p.rows)} rows, ${mbps.toFixed(1)} MB/s` +
      (p.bytesDone < p.bytesTotal && p.bytesDone > 0 ? `, ETA ${formatSeconds(eta)}` : '')
    );
  };
  return {
    update(p: IngestProgress) {
      const now = Date.now();
      if (now - last < 1000 && p.filesDone < p.files) return;
      const text = line(p);
      if (text === lastLine) return;
      last = now;
      lastLine = text;
      io.err(text);
    },
    stop() {},
  };
}

/** Strips the parser's own "line N: " prefix (the summary writes file:line: itself). */
const withoutLinePrefix = (message: string) => message.replace(/^line \d+: /, '');

export function formatSummary(s: IngestSummary): string[] {
  const seconds = Math.max(0.001, s.elapsedMs / 1000);
  const out = [
    `${s.ingested} file(s) ingested${s.replaced ? ` (${s.replaced} replacing an earlier version)` : ''}, ` +
      `${s.duplicate} already ingested, ${s.failed} failed` +
      (s.busy ? `, ${s.busy} busy (another process has them)` : '') +
      ` — ${grouped(s.rows)} rows, ${grouped(s.badRows)} bad, ${grouped(s.unrouted)} unrouted; ` +
      `${mb(s.bytes).toFixed(1)} MB in ${seconds.toFixed(1)} s (${(mb(s.bytes) / seconds).toFixed(1)} MB/s, ${grouped(s.rows / seconds)} rows/s)`,
  ];
  for (const u of s.units.filter((x) => x.status === 'failed'))
    out.push(`failed: ${u.sourceKey}: ${u.reason ?? ''}`);
  // Bad lines of the files ingested (a refused file's reason names its first bad line already).
  const bad = s.units
    .filter((u) => u.status === 'ingested')
    .flatMap((u) => u.errors.map((e) => ({ key: u.sourceKey, ...e })));
  if (bad.length) {
    out.push(`bad lines (${grouped(s.badRows)}; first ${Math.min(bad.length, SHOWN_ERRORS)}):`);
    for (const e of bad.slice(0, SHOWN_ERRORS)) {
      out.push(`  ${e.key.replace(/^file:/, '')}:${e.line}: ${withoutLinePrefix(e.message)}`);
    }
  }
  if (s.unrouted > 0) {
    out.push(
      `${grouped(s.unrouted)} row(s) matched no source binding and were not counted for any customer ` +
        '(add one: parasol console binding add <customer> --kind umbrella-org --value <org id>)',
    );
  }
  return out;
}

export function registerIngestCommands(program: Command, io: CliIo): void {
  program
    .command('ingest <location>')
    .description(
      'ingest Umbrella DNS logs (…/dnslogs/YYYY-MM-DD/*.csv[.gz]) from a folder, a file or s3://bucket/prefix; each file counts once',
    )
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--concurrency <n>', 'files processed at once, each on a worker thread', '2')
    .option('--s3-endpoint <url>', 'endpoint of an S3-compatible server (credentials: AWS_* variables)')
    .option('--s3-region <region>', 'bucket region (default AWS_REGION or us-east-1)')
    .option('--window-minutes <n>', 'window length of the per-identity counts', '240')
    .option(
      '--format <format>',
      'umbrella (DNS log CSV) or dnsfilter (query-log JSON array, NDJSON or {"data": [...]}, *.json|*.jsonl|*.ndjson[.gz])',
      'umbrella',
    )
    .option(
      '--force',
      'read every file again (known or failed ones too) and count it anew, replacing its own earlier counts; content counted under another name stays a duplicate',
      false,
    )
    .option('--json', 'print the summary as JSON', false)
    .action(
      async (
        location: string,
        o: {
          force: boolean;
          provider: string;
          concurrency: string;
          s3Endpoint?: string;
          s3Region?: string;
          windowMinutes: string;
          format: string;
          json: boolean;
        },
      ) => {
        if (o.format !== 'umbrella' && o.format !== 'dnsfilter')
          throw new ConsoleError('invalid', `--format must be umbrella or dnsfilter, not '${o.format}'`);
        if (o.force && o.format !== 'umbrella')
          throw new ConsoleError('invalid', '--force applies to Umbrella DNS logs (--format umbrella) only');
        const concurrency = count(o.concurrency, '--concurrency');
        const windowMinutes = count(o.windowMinutes, '--window-minutes', 1, 100_000);
        const tty = io === processIo && Boolean(process.stderr.isTTY) && !o.json;
        await withConsole(io, async (s) => {
          const reporter = tty ? await barReporter(process.stderr) : lineReporter(io);
          let summary: IngestSummary;
          try {
            // DNSFilter exports: read and routed ('dnsfilter-network' bindings) by the remote sources.
            if (o.format === 'dnsfilter')
              summary = await (await remoteSources(s)).ingestDnsfilter(
                await providerId(s, o.provider),
                location,
                {
                  aggregate: { windowMinutes },
                },
              );
            else
              summary = await (await ingestion(s)).ingestPath(await providerId(s, o.provider), location, {
                concurrency,
                force: o.force,
                onProgress: (p) => reporter.update(p),
                aggregate: { windowMinutes },
                s3: {
                  ...(o.s3Endpoint ? { endpoint: o.s3Endpoint } : {}),
                  ...(o.s3Region ? { region: o.s3Region } : {}),
                },
              });
          } finally {
            reporter.stop();
          }
          if (o.json) io.out(JSON.stringify(summary, null, 2));
          else for (const line of formatSummary(summary)) io.out(line);
          if (summary.units.some((u) => u.status === 'failed' && !u.reason?.endsWith('(earlier run)'))) {
            process.exitCode = 1;
          }
        });
      },
    );

  const con = program.commands.find((c) => c.name() === 'console') ?? program.command('console');
  const binding = new Command('binding').description(
    'source bindings: which customer an Umbrella org id or folder prefix belongs to',
  );
  con.addCommand(binding);
  binding
    .command('add <customer>')
    .description('route events of an org id, key prefix or network to a customer (name or id)')
    .requiredOption('--provider <provider>', 'provider name or id')
    .requiredOption('--kind <kind>', 'umbrella-org, folder-prefix, dnsfilter-network or ndjson-org')
    .requiredOption('--value <value>', 'the org id, key prefix, network id or name')
    .option('--json', 'print JSON', false)
    .action(async (customer: string, o: { provider: string; kind: string; value: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const p = await providerId(s, o.provider);
        const b = await (await ingestion(s)).addBinding(
          p,
          await customerId(s, p, customer),
          { kind: o.kind, value: o.value },
          ACTOR,
        );
        io.out(
          o.json
            ? JSON.stringify(b, null, 2)
            : `binding ${b.id}: customer ${b.customerId} ← ${b.kind} ${b.value}`,
        );
      }),
    );
  binding
    .command('list <customer>')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--json', 'print JSON', false)
    .action(async (customer: string, o: { provider: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const p = await providerId(s, o.provider);
        const list = await (await ingestion(s)).listBindings(p, await customerId(s, p, customer));
        if (o.json) io.out(JSON.stringify(list, null, 2));
        else for (const b of list) io.out(`${b.id}\t${b.kind}\t${b.value}`);
      }),
    );
  binding
    .command('remove <customer> <bindingId>')
    .requiredOption('--provider <provider>', 'provider name or id')
    .action(async (customer: string, bindingId: string, o: { provider: string }) =>
      withConsole(io, async (s) => {
        const p = await providerId(s, o.provider);
        await (await ingestion(s)).deleteBinding(
          p,
          await customerId(s, p, customer),
          count(bindingId, 'bindingId', 1, Number.MAX_SAFE_INTEGER),
          ACTOR,
        );
        io.out(`binding ${bindingId} removed`);
      }),
    );
}
