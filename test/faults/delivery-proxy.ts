// A fault-injecting HTTPS proxy on 127.0.0.1 in front of the built-in PSA, for the delivery fault
// test: it terminates TLS with its own self-signed certificate (the console's client trusts it through
// `ca`), forwards to the PSA with undici and, per request, with the injected randomness and the
// current rates, answers 429 with Retry-After or 500 WITHOUT forwarding, or forwards and then (the
// PSA has committed) answers 500, holds the answer past the client's timeout, or destroys the socket.
// Every injected fault is recorded with the PSA record it was about (see `subjectOf`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import { Agent, request } from 'undici';

export const FAULT_KINDS = ['429', '500-before', '500-after', 'timeout', 'dropped'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** Probability of each fault per request (their sum at most 1). */
export type FaultRates = Record<FaultKind, number>;

export interface InjectedFault {
  kind: FaultKind;
  method: string;
  path: string;
  /** What the request was about: 'company:12', 'track:3', 'ticket:40', 'config:7' or 'shared'. */
  subject: string;
}

export const NO_FAULTS: FaultRates = { '429': 0, '500-before': 0, '500-after': 0, timeout: 0, dropped: 0 };

/** Headers that belong to one hop, not to the request or answer being relayed. */
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'proxy-connection',
  'upgrade',
]);

function relayed(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_HEADERS.has(name.toLowerCase())) out[name] = value;
  return out;
}

/** The PSA record a request is about, read from its path, its conditions or its body. */
export function subjectOf(method: string, url: string, body: string): string {
  const u = new URL(url, 'https://proxy.invalid');
  const path = u.pathname.replace(/^\/[^/]+\/apis\/3\.0/, '');
  const conditions = u.searchParams.get('conditions') ?? '';
  const company = () => {
    try {
      const id = (JSON.parse(body) as { company?: { id?: unknown } })?.company?.id;
      return typeof id === 'number' ? `company:${id}` : 'shared';
    } catch {
      return 'shared';
    }
  };
  let m = /^\/service\/tickets\/(\d+)/.exec(path);
  if (m) return `ticket:${m[1]}`;
  m = /^\/company\/configurations\/(\d+)$/.exec(path);
  if (m) return `config:${m[1]}`;
  if (path === '/service/tickets' || path === '/company/configurations') {
    if (method === 'POST') return company();
    m = /parasol:t:\d+:(\d+):/.exec(conditions);
    if (m) return `track:${m[1]}`;
    m = /company\/id\s*=\s*(\d+)/.exec(conditions);
    if (m) return `company:${m[1]}`;
  }
  return 'shared';
}

export interface FaultProxyOptions {
  /** The PSA's origin, `https://127.0.0.1:PORT`, and the certificate it presents. */
  target: { origin: string; ca: string };
  /** [0, 1): which fault, if any, each request gets. */
  random: () => number;
  /** How long a 'timeout' holds the answer before dropping the connection (past the client's timeout). */
  holdMs: number;
  /** The Retry-After of injected 429s, in seconds. */
  retryAfterSeconds?: number;
}

export class FaultProxy {
  rates: FaultRates = { ...NO_FAULTS };
  readonly faults: InjectedFault[] = [];
  requests = 0;
  /** How long the PSA took to answer each forwarded request (ms). */
  readonly psaLatencies: number[] = [];
  private readonly held = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: https.Server,
    private readonly agent: Agent,
    readonly ca: string,
    readonly site: string,
    private readonly options: FaultProxyOptions,
  ) {}

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const pems = selfsigned.generate([{ name: 'commonName', value: 'parasol-fault-proxy' }], {
      keySize: 2048,
      days: 2,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
      ],
    });
    const agent = new Agent({ connect: { ca: options.target.ca }, keepAliveTimeout: 10_000 });
    let proxy: FaultProxy | undefined;
    const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      void proxy!.handle(req, res).catch(() => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    proxy = new FaultProxy(server, agent, pems.cert, `127.0.0.1:${port}`, options);
    return proxy;
  }

  /** Injected faults by kind. */
  counts(faults: readonly InjectedFault[] = this.faults): Record<FaultKind, number> {
    const out = { ...NO_FAULTS };
    for (const f of faults) out[f.kind]++;
    return out;
  }

  private pick(): FaultKind | undefined {
    let r = this.options.random();
    for (const kind of FAULT_KINDS) {
      if (r < this.rates[kind]) return kind;
      r -= this.rates[kind];
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    this.requests++;
    const kind = this.pick();
    if (kind)
      this.faults.push({
        kind,
        method,
        path: url.split('?')[0] ?? url,
        subject: subjectOf(method, url, body.toString()),
      });
    const refuse = (status: number, code: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify({ code, message: `injected by the fault proxy (${kind})`, errors: null }));
    };
    if (kind === '429')
      return refuse(429, 'TooManyRequests', { 'retry-after': String(this.options.retryAfterSeconds ?? 1) });
    if (kind === '500-before') return refuse(500, 'InternalServerError');

    const forwarded = Date.now();
    const answer = await request(`${this.options.target.origin}${url}`, {
      dispatcher: this.agent,
      method: method as 'GET',
      headers: relayed(req.headers),
      ...(body.length > 0 ? { body } : {}),
    });
    const text = await answer.body.text();
    this.psaLatencies.push(Date.now() - forwarded);
    // From here on the PSA has done what was asked.
    if (kind === '500-after') return refuse(500, 'InternalServerError');
    if (kind === 'dropped') {
      req.socket.destroy();
      return;
    }
    if (kind === 'timeout') {
      const timer = setTimeout(() => {
        this.held.delete(timer);
        req.socket.destroy();
      }, this.options.holdMs);
      this.held.add(timer);
      return;
    }
    res.writeHead(answer.statusCode, {
      ...relayed(answer.headers),
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  async close(): Promise<void> {
    for (const timer of this.held) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    await this.agent.close();
  }
}
