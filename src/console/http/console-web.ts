// Serves the console UI (web/console, built by Vite into dist/console-web): `/` is the app,
// `/assets/*` its hashed files. Pages are routed in the browser (`/#/customers`), so the server knows
// one page; every screen's data comes from /api/v1, which requires a signed-in user. The security
// headers (CSP `default-src 'self'` …) are the console server's, set on every answer.
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../../platform/package-root.js';

/** Where `npm run build:web` puts the bundle (from the repository root: dist/console-web). */
export const CONSOLE_WEB_DIR = `${path.join(packageRoot(), 'dist', 'console-web')}${path.sep}`;

export async function registerConsoleWeb(app: FastifyInstance, root = CONSOLE_WEB_DIR): Promise<void> {
  await app.register(fastifyStatic, { root, serve: false });
  app.get('/', async (_req, reply) => {
    reply.header('cache-control', 'no-cache');
    if (!existsSync(`${root}index.html`)) {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The console UI has not been built: run `npm run build:web` (npm install does it).');
    }
    return reply.sendFile('index.html', { cacheControl: false });
  });
  app.get('/assets/*', async (req, reply) => {
    const file = (req.params as { '*': string })['*'];
    // Vite names every asset after its content hash, so a browser may keep it for good.
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    return reply.sendFile(`assets/${file}`, { cacheControl: false });
  });
}
