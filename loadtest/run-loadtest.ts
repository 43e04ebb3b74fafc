/**
 * `npm run loadtest:hub`: seeds when needed, then runs the two Artillery
 * scenarios together against the hub (customers watching, couriers
 * streaming), prints one summary and exits non-zero when anything failed.
 *
 *   npm run loadtest:hub -- [--target http://127.0.0.1:3000] [--couriers 200 --customers 400] [--reseed]
 *                           [--fix-rate 1] [--stream-s 60]
 *
 * When an app answers on the target it is used as is (seed first, with the app
 * stopped, if loadtest/data is missing: PGlite is single-process). Otherwise,
 * for a loopback target, this starts the app itself (`infra/main.ts`, the
 * `npm start` entry point, same DATA_DIR), runs the scenarios and stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config.js';
import { seed, SeedRefused, writePayloads } from '../scripts/seed.js';
import { sleep } from './bench-procs.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(__dirname, 'data');
const RESULTS = path.join(__dirname, 'results');
const ARTILLERY = path.join(ROOT, 'node_modules', '.bin', 'artillery');
const log = (s: string) => console.log(`[loadtest:hub] ${s}`);

interface SeedManifest { couriers: number; customers: number; tokenExpiresAt: string; dataDir: string }
interface Report { aggregate: { counters: Record<string, number>; summaries: Record<string, { count: number; p50: number; p95: number; p99: number; max: number }> } }

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return r.ok;
  } catch {
    return false;
  }
}

function manifest(): SeedManifest | null {
  const file = path.join(DATA, 'seed.json');
  return existsSync(file) && existsSync(path.join(DATA, 'couriers.csv')) && existsSync(path.join(DATA, 'watchers.csv')) ? (JSON.parse(readFileSync(file, 'utf8')) as SeedManifest) : null;
}

function startApp(port: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'infra', 'main.ts')], { cwd: ROOT, env: { ...process.env, PORT: port, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('is up')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`the app exited with ${code} during start:\n${out.slice(-2000)}`)));
  });
}

function artillery(scenario: string, target: string, report: string, overrides: object, env: NodeJS.ProcessEnv): Promise<number> {
  const args = ['run', path.join(__dirname, 'artillery', scenario), '--target', target, '--output', report, '--overrides', JSON.stringify(overrides), '--quiet'];
  const child = spawn(ARTILLERY, args, { cwd: ROOT, env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

function summarize(name: string, r: Report): { lines: string[]; errors: string[] } {
  const c = r.aggregate.counters;
  const s = r.aggregate.summaries;
  const lines: string[] = [];
  const errors: string[] = [];
  for (const [k, v] of Object.entries(c).sort()) {
    if (k.startsWith('vusers.created_by_name')) continue;
    lines.push(`  ${k.padEnd(34)} ${v}`);
    if ((k.startsWith('errors.') || k === 'vusers.failed' || k === 'courier.acks_missing') && v > 0) errors.push(`${name}: ${k} = ${v}`);
  }
  for (const [k, h] of Object.entries(s)) {
    if (k === 'vusers.session_length') continue;
    lines.push(`  ${k.padEnd(34)} n=${h.count} p50=${h.p50} p95=${h.p95} p99=${h.p99} max=${h.max} ms`);
  }
  return { lines, errors };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: process.env.LOADTEST_TARGET ?? 'http://127.0.0.1:3000' },
      couriers: { type: 'string' },
      customers: { type: 'string' },
      reseed: { type: 'boolean', default: false },
      'fix-rate': { type: 'string', default: process.env.LOADTEST_FIX_RATE ?? '1' },
      'stream-s': { type: 'string', default: process.env.LOADTEST_STREAM_S ?? '60' },
    },
  });
  const target = values.target.replace(/\/$/, '');
  const streamS = Number(values['stream-s']);
  const running = await answers(`${target}/health`);
  const config = loadConfig();

  // 1. payloads: reuse unless asked otherwise, sized differently, or about to expire
  let m = manifest();
  const want = { couriers: Number(values.couriers ?? m?.couriers ?? 200), customers: Number(values.customers ?? m?.customers ?? 400) };
  const expiresSoon = m ? Date.parse(m.tokenExpiresAt) - Date.now() < (streamS + 600) * 1000 : true;
  // Payloads seeded for another DATA_DIR hold tokens of another secret and ids of another store.
  const elsewhere = m ? m.dataDir !== config.dataDir : false;
  if (!m || values.reseed || expiresSoon || elsewhere || m.couriers !== want.couriers || m.customers !== want.customers) {
    const why = !m ? 'no payloads yet' : values.reseed ? '--reseed' : expiresSoon ? 'tokens expire soon' : elsewhere ? `payloads were seeded for DATA_DIR=${m.dataDir}` : 'other sizes asked';
    log(`seeding ${want.couriers} couriers and ${want.customers} customers (${why})`);
    try {
      const r = await seed(config, { ...want, log: (s) => log(`seed: ${s}`) });
      writePayloads(DATA, r, { store: config.DATABASE_URL ? 'postgres' : config.MONGODB_URI ? 'mongodb' : 'pglite', dataDir: config.dataDir });
    } catch (err) {
      if (err instanceof SeedRefused) {
        log(`cannot seed: ${err.message}`);
        return 1;
      }
      throw err;
    }
    m = manifest() as SeedManifest;
  } else {
    log(`reusing loadtest/data (${m.couriers} couriers, ${m.customers} customers, tokens valid until ${m.tokenExpiresAt})`);
  }

  // 2. the app: the one running, or ours
  let app: ChildProcess | undefined;
  if (!running) {
    const u = new URL(target);
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname)) {
      log(`nothing answers on ${target}, and it is not loopback: start the app there first`);
      return 1;
    }
    log(`nothing answers on ${target}: starting the app (infra/main.ts, DATA_DIR=${config.dataDir})`);
    app = await startApp(u.port || '80');
  } else {
    log(`using the app running on ${target}`);
  }

  // 3. both scenarios: watchers first, couriers 5 s later; every VU is one row of the payload
  mkdirSync(RESULTS, { recursive: true });
  const reports = { watch: path.join(RESULTS, 'artillery-watch.json'), courier: path.join(RESULTS, 'artillery-courier.json') };
  const rampS = 20;
  const env = { LOADTEST_FIX_RATE: values['fix-rate'], LOADTEST_STREAM_S: String(streamS), LOADTEST_WATCH_S: String(streamS + rampS + 15) };
  let codes: number[];
  try {
    const watching = artillery('customer-watch.yml', target, reports.watch, { config: { phases: [{ name: 'customers open their tracking screens', duration: rampS, arrivalCount: m.customers }] } }, env);
    await sleep(5_000);
    const streaming = artillery('courier-stream.yml', target, reports.courier, { config: { phases: [{ name: 'couriers come online', duration: rampS, arrivalCount: m.couriers }] } }, env);
    codes = await Promise.all([watching, streaming]);
  } finally {
    if (app) {
      app.kill('SIGTERM');
      await new Promise((r) => app.once('exit', r));
    }
  }

  // 4. one summary; any error fails the run
  const errors: string[] = codes.some((c) => c !== 0) ? [`artillery exited with ${codes.join(', ')}`] : [];
  const out: Record<string, unknown> = { target, couriers: m.couriers, customers: m.customers, fixRatePerCourier: Number(values['fix-rate']), streamS, at: new Date().toISOString() };
  for (const [name, file] of Object.entries(reports)) {
    if (!existsSync(file)) {
      errors.push(`${name}: no report`);
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8')) as Report;
    const s = summarize(name, r);
    console.log(`\n${name === 'watch' ? 'customer-watch.yml' : 'courier-stream.yml'}\n${s.lines.join('\n')}`);
    errors.push(...s.errors);
    out[name] = r.aggregate.counters;
    out[`${name}Latency`] = r.aggregate.summaries;
  }
  const positions = (out.watch as Record<string, number> | undefined)?.['watcher.positions'] ?? 0;
  if (positions === 0) errors.push('watchers received no courier:position');
  writeFileSync(path.join(RESULTS, 'hub-loadtest.json'), `${JSON.stringify({ ...out, errors }, null, 2)}\n`);
  console.log(errors.length ? `\nFAILED:\n  ${errors.join('\n  ')}` : '\nOK: no errors');
  return errors.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
