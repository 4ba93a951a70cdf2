// Import rules of docs/architecture.md, enforced in `npm run lint`.
const PURE =
  '^src/(psa/(catalog|query|model)|console/(model|sources|aggregate|ticketing|config-sync|billing))/';
module.exports = {
  forbidden: [
    {
      name: 'pure-folders-stay-pure',
      comment: 'Pure rule folders import no database, HTTP, file system, process or platform I/O.',
      severity: 'error',
      from: { path: PURE, pathNot: '\\.test\\.ts$' },
      to: {
        path: '^(node:)?(fs|fs/promises|http|https|net|child_process|worker_threads|better-sqlite3|pg|fastify|undici)$|^src/platform/(db|tls|logger|config)|/store/|/http/',
      },
    },
    {
      name: 'psa-knows-nothing-of-the-console',
      severity: 'error',
      from: { path: '^src/psa/' },
      to: { path: '^src/console/' },
    },
    {
      name: 'console-reaches-psa-only-over-http',
      comment: 'The console talks to any PSA through its ConnectWise client, never by importing the PSA.',
      severity: 'error',
      from: { path: '^src/console/' },
      to: { path: '^src/psa/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.generated\\.' },
  },
};
