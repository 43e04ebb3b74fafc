import path from 'node:path';
import { defineConfig } from 'vite';

// One HTML shell (index.html) for every page; each page is its own chunk, loaded by path.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.join(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    // The polyfill would be inline-free anyway, but every browser we serve has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
    sourcemap: true,
  },
});
