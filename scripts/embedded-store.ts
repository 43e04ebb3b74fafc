import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../infra/config.js';

/** A script that must not open the embedded store while an app holds it. */
export class StoreInUse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreInUse';
  }
}

/**
 * PGlite allows one process, so a script that opened its own copy next to a
 * running `npm start` would write where the app never looks. The embedded
 * store is in use when the app's private redis-server under DATA_DIR/redis is
 * alive (starting a second one there would also kill the app's), or when
 * PGlite's postmaster.pid exists (PGlite writes it while open and removes it
 * on close; a killed run leaves it behind, hence `force`).
 * `command` is what the user runs, e.g. `npm run seed`.
 */
export function assertEmbeddedStoreFree(config: Config, command: string, opts: { force?: boolean } = {}): void {
  const redisPid = config.REDIS_URL ? null : livePid(path.join(config.dataDir, 'redis', 'redis.pid'), 'redis-server');
  if (redisPid) {
    throw new StoreInUse(`an app is running on DATA_DIR=${config.dataDir}: its private redis-server (pid ${redisPid}) is up. Stop \`npm start\`, run \`${command}\`, start it again (PGlite and the embedded Redis belong to one process).`);
  }
  const pgPid = path.join(config.dataDir, 'pglite', 'postmaster.pid');
  if (!config.DATABASE_URL && !config.MONGODB_URI && existsSync(pgPid) && !opts.force) {
    throw new StoreInUse(`the embedded PGlite store under ${path.dirname(pgPid)} is open in another process (postmaster.pid exists). Stop \`npm start\`, run \`${command}\`, start it again. If no app is running, the file is left over from a killed run: pass --force.`);
  }
}

function livePid(file: string, name: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  try {
    return Number.isInteger(pid) && pid > 1 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name) ? pid : null;
  } catch {
    return null;
  }
}
