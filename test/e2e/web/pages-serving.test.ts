import { expect } from 'chai';
import { http, startTestApp, type TestApp } from '../../helpers/app.js';
import { launchBrowser, watchProblems, type TestBrowser } from '../../helpers/browser.js';

describe('web pages: served by the app with their CSP and cache headers', function () {
  this.timeout(60_000);
  let app: TestApp;
  let browser: TestBrowser;

  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startTestApp({ env: { MAP_STYLE_URL: 'https://tiles.example.org/styles/basic/style.json' } })]);
  });
  after(async () => {
    await app?.stop();
    await browser?.close();
  });

  it('when a page is fetched, then it is the HTML shell, never cached unrevalidated, with a CSP of the app and the tile host, and no inline script', async () => {
    for (const path of ['/ops', '/store', '/track/ord-123']) {
      const r = await http(`${app.url}${path}`);
      expect(r.status, path).to.equal(200);
      expect(r.headers.get('content-type')).to.match(/^text\/html/);
      expect(r.headers.get('cache-control')).to.equal('no-cache');
      const csp = r.headers.get('content-security-policy')!;
      expect(csp).to.include("script-src 'self'");
      expect(csp).to.include("default-src 'self'");
      expect(csp).to.include("connect-src 'self' https://tiles.example.org");
      expect(csp).not.to.match(/unsafe-inline|unsafe-eval|\*/);
      const html = r.body as string;
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).to.be.greaterThan(0);
      for (const [, attrs, body] of scripts) {
        expect(attrs).to.match(/\ssrc="\/assets\/[^"]+"/);
        expect(body!.trim()).to.equal('');
      }
      expect(html).not.to.match(/\son[a-z]+=/i);
      expect(html).to.include('<meta name="daraa-map-style" content="https://tiles.example.org/styles/basic/style.json">');
    }
  });

  it('when a hashed asset is fetched, then it is cached for a year as immutable; an unknown one is 404', async () => {
    const html = (await http(`${app.url}/ops`)).body as string;
    const src = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const r = await fetch(`${app.url}${src}`);
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/^text\/javascript/);
    expect(r.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
    expect((await r.text()).length).to.be.greaterThan(1000);
    expect((await http(`${app.url}/assets/nope-123.js`)).status).to.equal(404);
    expect((await http(`${app.url}/assets/..%2f..%2fpackage.json`)).status).to.equal(404);
  });

  it('when chromium opens each page, then it loads under the CSP without a violation or an error', async () => {
    const ctx = await browser.context();
    const page = await ctx.newPage();
    const problems = watchProblems(page);
    for (const path of ['/ops', '/store', '/track/ord-123']) {
      await page.goto(`${app.url}${path}`);
      await page.waitForSelector('[data-testid=login]', { timeout: 10_000 }).catch((err) => expect.fail(`${path}: ${err}; ${problems.join('; ')}`));
    }
    expect(problems).to.deep.equal([]);
    await ctx.close();
  });

  it('when the language is Arabic, then the page is laid out right to left with the catalogue\'s Arabic; English is left to right', async () => {
    const ctx = await browser.context();
    const page = await ctx.newPage();
    await page.goto(`${app.url}/store`);
    await page.waitForSelector('[data-testid=login]');
    expect(await page.evaluate(() => [(globalThis as any).document.documentElement.dir, (globalThis as any).document.documentElement.lang])).to.deep.equal(['ltr', 'en']);
    expect(await page.textContent('[data-testid=login] button[type=submit]')).to.equal('Sign in');
    await page.click('[data-testid=lang]');
    await page.waitForFunction(() => (globalThis as any).document.documentElement.dir === 'rtl');
    await page.waitForSelector('[data-testid=login]');
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang)).to.equal('ar');
    expect(await page.textContent('[data-testid=login] button[type=submit]')).to.equal('تسجيل الدخول');
    await ctx.close();
  });
});
