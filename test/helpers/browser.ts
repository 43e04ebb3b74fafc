import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own sessionStorage) at a desktop or phone size. */
  context(size?: 'desktop' | 'phone'): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Debian's chromium, driven by playwright-core (no browser download), with a fresh profile. Builds the
 * web pages first when their sources are newer than the build (as `npm start` and `npm test` do).
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is not installed: apt-get install -y chromium (npm test installs it when run as root)`);
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-web.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the web build failed (node scripts/build-web.mjs)');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'daraa-chromium-'));
  // Started by hand and joined over CDP, so the flags (and the fresh profile) are exactly these.
  // Its own process group, so close() can end chromium's helper processes too (they write the profile).
  const proc = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err}`)), 15_000);
    proc.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => reject(new Error(`chromium exited ${code}: ${err}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint, { timeout: 60_000 });
  return {
    browser,
    context: (size = 'desktop') => browser.newContext(size === 'phone' ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : { viewport: { width: 1280, height: 800 } }),
    async close() {
      await browser.close().catch(() => undefined);
      if (proc.exitCode === null) {
        proc.kill('SIGKILL');
        await new Promise((r) => proc.once('exit', r));
      }
      // Chromium's helper processes may outlive the main one and still write the profile: end the whole
      // group and wait until none is left (signal 0 to the group fails once it is empty), then remove it.
      const group = -proc.pid!;
      const groupAlive = () => {
        try {
          process.kill(group, 0);
          return true;
        } catch {
          return false;
        }
      };
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        /* the group is gone already */
      }
      for (const end = Date.now() + 10_000; groupAlive() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** Records console errors and CSP violations of a page, to assert there are none. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

/** Signs in through the page's own login form (the REST login). */
export async function signInOnPage(page: Page, identifier: string, password: string): Promise<void> {
  await page.fill('[data-testid=login] input[name=identifier]', identifier);
  await page.fill('[data-testid=login] input[name=password]', password);
  await page.click('[data-testid=login] button[type=submit]');
  await page.waitForSelector('[data-testid=login]', { state: 'detached' });
}

/** A fresh desktop context on `url`, signed in through the page's login form, watching for console errors and CSP violations. */
export async function openSignedIn(b: TestBrowser, url: string, identifier: string, password: string): Promise<{ ctx: BrowserContext; page: Page; problems: string[] }> {
  const ctx = await b.context();
  const page = await ctx.newPage();
  const problems = watchProblems(page);
  await page.goto(url);
  await signInOnPage(page, identifier, password);
  return { ctx, page, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}
