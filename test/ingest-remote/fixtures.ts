// Synthetic DNSFilter traffic-log records shaped like DNSFilter's query-log JSON (event-formats.md
// §4); every value is invented.
/** Record i: every 4th blocked as phishing; networks 7001 'Head office' / 7002 'Branch office'. */
export function dnsfilterRecord(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const blocked = i % 4 === 0;
  return {
    time: `2026-02-10 08:${String(i % 60).padStart(2, '0')}:05.123`,
    fqdn: blocked ? `login-${i}.phish.example.` : `cdn${i}.example.net.`,
    domain: blocked ? 'phish.example' : 'example.net',
    question_type: i % 2 ? 'AAAA' : 'A',
    code: 'NOERROR',
    result: blocked ? 'blocked' : 'allowed',
    threat: blocked,
    categories: blocked ? [52] : [23],
    categories_names: blocked ? ['Phishing'] : ['Search Engines'],
    method_name: blocked ? 'Security' : 'Category',
    policy_id: 9001,
    policy_name: 'Default policy',
    networkid: 7001 + (i % 2),
    network_name: i % 2 ? 'Branch office' : 'Head office',
    agentname: `desk-${i % 3}`,
    agenttype: 'windows',
    local_user_name: `user${i % 5}`,
    local_ipv4_address: `192.0.2.${(i % 250) + 1}`,
    request_address: '203.0.113.9',
    region: 'eu-west',
    ...over,
  };
}
