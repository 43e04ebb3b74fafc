import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * `npm start` / `npm test` on a fresh clone run `npm ci`, which refuses a lock file
 * out of sync with package.json. The registry reachable here lacks some platform-only
 * optional packages (e.g. msgpackr-extract for darwin), so a plain `npm install` can
 * write a lock that `npm ci` rejects. This catches that before CI does.
 */
describe('package-lock.json', function () {
  this.timeout(60_000);
  it('when npm ci reads it on a fresh checkout, then it accepts it and prints no warning', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'daraa-lock-'));
    try {
      for (const f of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(path.join(ROOT, f), path.join(dir, f));
      const r = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
      expect(r.status, r.stderr.split('\n').filter((l) => l.includes('npm error')).slice(0, 8).join('\n')).to.equal(0);
      // A new user's first `npm ci` printed about 650 warning lines (peer ranges of Artillery's old
      // OpenTelemetry exporters, an unknown .npmrc key); they bury anything that matters.
      const warnings = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.startsWith('npm warn'));
      expect(warnings.slice(0, 8), `${warnings.length} warning lines`).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
