// Builds the PSA admin UI into dist/psa-web, which the PSA server serves at `/`.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/psa-web', import.meta.url)),
    emptyOutDir: true,
    // One small app: a single chunk keeps the first screen to two requests.
    chunkSizeWarningLimit: 1024,
  },
});
