import { defineConfig } from 'vite';

// The page is served by the API at / (apps/api/src/routes/web.ts): hashed files under /assets/ are cached
// for a year, index.html is revalidated on every load.
export default defineConfig({
  root: import.meta.dirname,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
