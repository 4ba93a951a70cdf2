// Serves the PSA admin UI (web/psa, built by Vite into dist/psa-web): `/` is the app, `/assets/*`
// its hashed files. Pages are routed in the browser (`/#/system/security-roles`), so the server
// knows one page; every screen's data comes from the admin API and the REST API, which require a
// signed-in member.
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../../platform/package-root.js';

/** Where `npm run build:web` puts the bundle (from the repository root: dist/psa-web). */
export const WEB_UI_DIR = `${path.join(packageRoot(), 'dist', 'psa-web')}${path.sep}`;

const CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
}

export async function registerWebUi(app: FastifyInstance, root = WEB_UI_DIR): Promise<void> {
  await app.register(fastifyStatic, { root, serve: false });
  app.get('/', async (_req, reply) => {
    pageHeaders(reply).header('cache-control', 'no-cache');
    if (!existsSync(`${root}index.html`)) {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The admin UI has not been built: run `npm run build:web` (npm install does it).');
    }
    return reply.sendFile('index.html', { cacheControl: false });
  });
  app.get('/assets/*', async (req, reply) => {
    const file = (req.params as { '*': string })['*'];
    // Vite names every asset after its content hash, so a browser may keep it for good.
    pageHeaders(reply).header('cache-control', 'public, max-age=31536000, immutable');
    return reply.sendFile(`assets/${file}`, { cacheControl: false });
  });
}
