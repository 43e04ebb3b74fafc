// Preloaded by `npm run bench:roles` (node --expose-gc --require loadtest/memory-probe.cjs): on SIGUSR2
// the process collects garbage twice and writes process.memoryUsage() to $MEMORY_PROBE_FILE as JSON.
const { writeFileSync } = require('node:fs');

const file = process.env.MEMORY_PROBE_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    writeFileSync(file, JSON.stringify(process.memoryUsage()));
  });
}
