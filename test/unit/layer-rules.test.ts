import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const depcruise = path.join(ROOT, 'node_modules/.bin/depcruise');

/** Runs the project's dependency-cruiser rules over a scratch tree shaped like ours. */
function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daraa-layers-'));
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } }));
    const roots = [...new Set(Object.keys(files).map((f) => f.split('/')[0]!))];
    const r = spawnSync(depcruise, ['--config', path.join(ROOT, '.dependency-cruiser.cjs'), ...roots], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('layer rules (npm run lint)', function () {
  this.timeout(30_000);

  it('when domain code imports infra, then the check fails naming the rule', () => {
    const r = cruise({ 'domain/x/model.ts': "import { y } from '../../infra/y.js';\nexport const x = y;\n", 'infra/y.ts': 'export const y = 1;\n', 'geo/g.ts': 'export const g = 1;\n' });
    expect(r.status).to.not.equal(0);
    expect(r.out).to.include('domain-is-independent');
  });

  it('when geo imports a bounded context, then the check fails', () => {
    const r = cruise({ 'geo/g.ts': "import { o } from '../domain/ordering/model.js';\nexport const g = o;\n", 'domain/ordering/model.ts': 'export const o = 1;\n', 'infra/y.ts': 'export const y = 1;\n' });
    expect(r.status).to.not.equal(0);
    expect(r.out).to.include('geo-is-a-library');
  });

  it('when api imports infra (even a type), then the check fails naming the rule', () => {
    const r = cruise({ 'api/app.ts': "import type { Metrics } from '../infra/metrics.js';\nexport const a = (m: Metrics) => m;\n", 'infra/metrics.ts': 'export class Metrics {}\n' });
    expect(r.status).to.not.equal(0);
    expect(r.out).to.include('api-does-not-reach-into-infra');
  });

  it('when infra imports api (the container mounts the routes), then the check passes', () => {
    const r = cruise({ 'infra/container.ts': "import { routes } from '../api/app.js';\nexport const c = routes;\n", 'api/app.ts': 'export const routes = [];\n' });
    expect(r.status, r.out).to.equal(0);
  });

  it('when infra imports domain and geo imports domain/shared, then the check passes', () => {
    const r = cruise({
      'infra/y.ts': "import { x } from '../domain/x/model.js';\nexport const y = x;\n",
      'domain/x/model.ts': "import { s } from '../shared/errors.js';\nexport const x = s;\n",
      'domain/shared/errors.ts': 'export const s = 1;\n',
      'geo/g.ts': "import { s } from '../domain/shared/errors.js';\nexport const g = s;\n",
    });
    expect(r.status, r.out).to.equal(0);
  });
});
