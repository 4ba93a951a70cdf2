// Helpers of the sign-in suites: a fetch whose connections come from a chosen loopback address
// (127.0.0.x — a client of its own for the server's per-client rules), and one sign-in attempt
// against either product, read whole.
import { Agent, fetch as undiciFetch } from 'undici';
import type { TestPsa } from '../support/psa-server.js';

const agents = new Map<string, Agent>();

export function agentFrom(address: string): Agent {
  let a = agents.get(address);
  if (!a) {
    a = new Agent({ localAddress: address, connect: { rejectUnauthorized: false } });
    agents.set(address, a);
  }
  return a;
}

export async function closeAgents(): Promise<void> {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents.clear();
}

export type Product = 'console' | 'psa';

export interface Attempt {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

/** POSTs a sign-in to `product` from `address` (`account`: the console's email, the PSA's member ID). */
export async function attempt(
  psa: TestPsa,
  product: Product,
  address: string,
  account: string,
  password: string,
): Promise<Attempt> {
  const url =
    product === 'console'
      ? `${psa.running.console.url}/api/v1/session`
      : `${psa.origin}/admin/api/v1/session`;
  const body = product === 'console' ? { email: account, password } : { identifier: account, password };
  const res = await undiciFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    dispatcher: agentFrom(address),
  });
  const text = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}
