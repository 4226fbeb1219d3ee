import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The review console's browser client: built into dist/console-web, served by the console itself.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console-web', import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
});
