#!/usr/bin/env node
// `npm test`: the whole mocha suite, split over parallel lanes (one mocha process each).
//
// Why lanes and not `mocha --parallel`: each lane is an ordinary serial mocha run, so root
// hooks, the reporter and every test behave exactly as in `npm run test:serial`; only the
// set of files differs. Files are dealt to lanes by their last measured duration (longest
// first, to the least loaded lane), read from the previous run's timings when there is one,
// else from the committed test/timings.json. Measured on this 2-core box, calm: the serial suite
// took 21 min in CI (1411 s with the static checks); two lanes ran it in 9.4 min (2026-12-06).
//
// A file that says `@solo` in its source (a test whose assertion is calibrated for a process with
// the machine to itself, like the flood test's p99 bound) runs after the lanes, alone.
//
// Lane 1 streams to the terminal as it runs; the other lanes' output is printed, whole, when
// they end. The last line is the sum over the lanes: "N passed, N failed, N skipped".
// TEST_LANES=n sets the number of lanes (default: 2, or 1 on a one-core machine).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIRS = ['test/unit', 'test/contract', 'test/integration', 'test/security', 'test/e2e'];
const COMMITTED = path.join(root, 'test', 'timings.json');
const LAST = path.join(root, 'node_modules', '.cache', 'daraa', 'test-timings.json');
// A file with no timing yet: guessed from its folder (seconds).
const GUESS_S = { unit: 1, contract: 8, integration: 12, security: 12, e2e: 20 };

const args = process.argv.slice(2);
const lanes = Math.max(1, Number(process.env.TEST_LANES ?? (os.cpus().length > 1 ? 2 : 1)));

/** Every .ts file under the test folders, as mocha's `recursive` + `extension: ts` would load them. */
function testFiles() {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) out.push(path.relative(root, p));
    }
  };
  for (const d of DIRS) if (existsSync(path.join(root, d))) walk(path.join(root, d));
  return out;
}

function readTimings(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/** Longest first, each to the lane with the least work so far. */
function deal(files, timings) {
  const cost = (f) => timings[f] ?? (GUESS_S[f.split('/')[1]] ?? 5) * 1000;
  const plan = Array.from({ length: lanes }, () => ({ files: [], ms: 0 }));
  for (const f of [...files].sort((a, b) => cost(b) - cost(a))) {
    const lane = plan.reduce((min, l) => (l.ms < min.ms ? l : min));
    lane.files.push(f);
    lane.ms += cost(f);
  }
  // Within a lane, run in folder order (unit first), as the serial suite does.
  for (const l of plan) l.files.sort((a, b) => files.indexOf(a) - files.indexOf(b));
  return plan.filter((l) => l.files.length > 0);
}

function runLane(lane, i, outDir, stream = i === 0) {
  const timingsOut = path.join(outDir, `timings-${i}.json`);
  const logFile = path.join(outDir, `lane-${i}.log`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--forbid-only', ...args, ...lane.files], {
      cwd: root,
      env: { ...process.env, TEST_LANE: String(i + 1), TEST_TIMINGS_OUT: timingsOut, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const take = (chunk, out) => {
      const text = chunk.toString();
      log += text;
      if (stream) out.write(text);
    };
    child.stdout.on('data', (c) => take(c, process.stdout));
    child.stderr.on('data', (c) => take(c, process.stderr));
    child.on('close', (code, signal) => {
      writeFileSync(logFile, log);
      const m = /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/.exec(log);
      resolve({ i, code: code ?? 1, signal, log, counts: m ? { passed: +m[1], failed: +m[2], skipped: +(m[3] ?? 0) } : null, timings: readTimings(timingsOut) });
    });
  });
}

const all = testFiles();
const isSolo = (f) => readFileSync(path.join(root, f), 'utf8').includes('@solo');
const solo = all.filter(isSolo);
const files = all.filter((f) => !solo.includes(f));
const timings = { ...readTimings(COMMITTED), ...readTimings(LAST) };
const plan = deal(files, timings);
const outDir = path.join(os.tmpdir(), `daraa-test-${process.pid}`);
mkdirSync(outDir, { recursive: true });
console.log(`[test] ${files.length} files in ${plan.length} lane(s): ${plan.map((l, i) => `lane ${i + 1} ${l.files.length} files ~${Math.round(l.ms / 1000)} s`).join(', ')}${solo.length ? `; then ${solo.length} alone (@solo)` : ''}`);

const started = Date.now();
const results = await Promise.all(plan.map((l, i) => runLane(l, i, outDir)));
for (const r of results.slice(1)) {
  process.stdout.write(`\n──────── lane ${r.i + 1} (${plan[r.i].files.length} files) ────────\n`);
  process.stdout.write(r.log);
}
if (solo.length) {
  process.stdout.write(`\n──────── alone (@solo): ${solo.join(', ')} ────────\n`);
  results.push(await runLane({ files: solo, ms: 0 }, results.length === 0 ? 0 : results.length, outDir, true));
}

const measured = Object.assign({}, ...results.map((r) => r.timings));
if (Object.keys(measured).length > 0) {
  mkdirSync(path.dirname(LAST), { recursive: true });
  writeFileSync(LAST, JSON.stringify({ ...timings, ...measured }, null, 1));
}
rmSync(outDir, { recursive: true, force: true });

const sum = { passed: 0, failed: 0, skipped: 0 };
const broken = [];
for (const r of results) {
  if (!r.counts) broken.push(`lane ${r.i + 1} ended without its closing line (exit ${r.code}${r.signal ? `, ${r.signal}` : ''})`);
  else {
    sum.passed += r.counts.passed;
    sum.failed += r.counts.failed;
    sum.skipped += r.counts.skipped;
    if (r.code !== 0 && r.counts.failed === 0) broken.push(`lane ${r.i + 1} exited ${r.code} with no failed test`);
  }
}
for (const b of broken) console.log(`[test] ${b}`);
if (broken.length) sum.failed += broken.length;
console.log(`\n[test] wall clock ${((Date.now() - started) / 60000).toFixed(1)} min over ${plan.length} lane(s)`);
console.log(`\n${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped`);
process.exit(sum.failed > 0 ? 1 : 0);
