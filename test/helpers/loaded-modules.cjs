// Preloaded with `node --require test/helpers/loaded-modules.cjs`: when the process exits, writes
// every module it loaded (require.cache: our sources and node_modules alike) to $LOADED_MODULES_FILE
// as a JSON array of absolute paths, so a test can tell what a role loads.
const { writeFileSync } = require('node:fs');

const file = process.env.LOADED_MODULES_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, JSON.stringify(Object.keys(require.cache)));
  });
}
