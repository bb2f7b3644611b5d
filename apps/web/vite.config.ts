import { defineConfig } from 'vite';

const api = process.env.API_URL ?? 'http://localhost:3000';

// The page is served by the API at / (apps/api/src/routes/web.ts): hashed files under /assets/ are cached
// for a year, index.html is revalidated on every load. `npm run dev` serves the sources with live reload
// and forwards the API's routes to API_URL.
export default defineConfig({
  root: import.meta.dirname,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One entry chunk: nothing to preload, so no polyfill for it.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/jobs': api, '/openapi.json': api },
  },
});
