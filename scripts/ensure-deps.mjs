#!/usr/bin/env node
// Runs before `npm start` and `npm test` (prestart/pretest). Plain Node, no dependencies:
// it must work on a fresh clone before node_modules exists.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lock = path.join(root, 'package-lock.json');
const marker = path.join(root, 'node_modules', '.package-lock.json');

function needsInstall() {
  if (!existsSync(path.join(root, 'node_modules'))) return true;
  if (!existsSync(marker)) return true;
  // package.json too: its allowScripts decides which native modules are built (argon2's prebuilt
  // binary crashes Node on this Debian, so it must be compiled at install time).
  const installedAt = statSync(marker).mtimeMs;
  return [lock, path.join(root, 'package.json')].some((f) => existsSync(f) && statSync(f).mtimeMs > installedAt);
}

if (needsInstall()) {
  console.log('[daraa] installing dependencies (npm ci)…');
  // Artillery pulls in Playwright; its browser download is also denied in package.json's allowScripts.
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit', env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
let aptUpdated = false;
/** Installs a Debian package as redis-server always was: root with apt-get, else a one-line hint and exit 1. */
function aptInstall(pkg, why) {
  if (isRoot && hasApt) {
    console.log(`[daraa] installing ${pkg} with apt-get…`);
    execSync(`${aptUpdated ? '' : 'apt-get update -qq && '}DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`, { stdio: 'inherit' });
    aptUpdated = true;
    return;
  }
  console.error(`[daraa] ${pkg} is not installed. Install it with: sudo apt-get install -y ${pkg} ${why}`);
  process.exit(1);
}

const needRedis = !process.env.REDIS_URL || process.env.npm_lifecycle_event === 'pretest';
if (!has('redis-server') && needRedis) aptInstall('redis-server', '(or set REDIS_URL to an existing Redis).');

// The browser tests drive Debian's chromium through playwright-core (no browser download).
if (process.env.npm_lifecycle_event === 'pretest' && !existsSync('/usr/bin/chromium')) aptInstall('chromium', '(the browser tests need it).');

// The web pages (web/) are built by Vite when their sources are newer than the last build.
execSync(`node ${JSON.stringify(path.join(root, 'scripts', 'build-web.mjs'))}`, { stdio: 'inherit' });
