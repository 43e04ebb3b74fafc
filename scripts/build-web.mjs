#!/usr/bin/env node
// Builds the browser pages (web/ → web/dist) with Vite when any source is newer than the last build.
// Run by scripts/ensure-deps.mjs before `npm start` and `npm test`, and by the browser tests' helper.
// Plain Node: the staleness check needs nothing installed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const out = path.join(web, 'dist');
const stamp = path.join(out, '.built');

/** Newest modification time under web/ (the build output aside), with the lock file (library upgrades). */
function newestSource() {
  let newest = statSync(path.join(root, 'package-lock.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (p === out) continue;
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(web);
  return newest;
}

if (!existsSync(stamp) || newestSource() > statSync(stamp).mtimeMs) {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    console.error('[daraa] the web pages need a build and Vite is not installed: run npm ci');
    process.exit(1);
  }
  console.log('[daraa] building the web pages (vite build)…');
  const started = Date.now();
  execFileSync(process.execPath, [vite, 'build', '--config', path.join(web, 'vite.config.mts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, new Date().toISOString());
  console.log(`[daraa] web pages built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
