/**
 * Builds the web UI (ui/) into dist/ui, which the service serves at `/` (src/api/routes/ui.ts). Relative asset
 * URLs (`base: './'`) so the page works under any path prefix; everything is bundled, no CDN at run time.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  // `npx vite --config ui/vite.config.ts`: hot reload on :5173, API calls forwarded to a local service.
  server: {
    proxy: Object.fromEntries(
      ['/applications', '/pipelines', '/slack', '/settings', '/sandbox', '/notifications', '/health', '/managed', '/auth', '/audit'].map((p) => [p, `http://127.0.0.1:${process.env.SLACKOPS_PORT ?? '8084'}`]),
    ),
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
