// Builds the console UI into dist/console-web, which the console server serves at `/`.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console-web', import.meta.url)),
    emptyOutDir: true,
    // One small app: a single chunk keeps the first screen to two requests.
    chunkSizeWarningLimit: 1024,
  },
});
