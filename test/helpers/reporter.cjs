'use strict';
// Spec output, then the slowest test files (npm test must stay under 15 minutes, so this is
// where to look first), then the one plain closing line CI reads: "N passed, N failed, N skipped".
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');
const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;

class ClosingLineReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const startedAt = new Map();
    const perFile = new Map();
    runner.on(EVENT_SUITE_BEGIN, (suite) => {
      if (suite.file && suite.parent && suite.parent.root) startedAt.set(suite, Date.now());
    });
    runner.on(EVENT_SUITE_END, (suite) => {
      const t0 = startedAt.get(suite);
      if (t0 === undefined) return;
      const file = path.relative(process.cwd(), suite.file);
      perFile.set(file, (perFile.get(file) || 0) + Date.now() - t0);
    });
    runner.once(EVENT_RUN_END, () => {
      // scripts/test.mjs deals files to lanes by these durations.
      if (process.env.TEST_TIMINGS_OUT) fs.writeFileSync(process.env.TEST_TIMINGS_OUT, JSON.stringify(Object.fromEntries(perFile)));
      const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 12);
      if (slowest.length > 1) {
        process.stdout.write('\nslowest test files:\n');
        for (const [file, ms] of slowest) process.stdout.write(`  ${(ms / 1000).toFixed(1).padStart(7)} s  ${file}\n`);
      }
      const s = runner.stats || {};
      process.stdout.write(`\n${s.passes || 0} passed, ${s.failures || 0} failed, ${s.pending || 0} skipped\n`);
    });
  }
}
module.exports = ClosingLineReporter;
