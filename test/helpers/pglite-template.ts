import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { openPglite, type PgliteClient } from '../../infra/db/sql/client.js';
import { prepareStore } from '../../infra/db/index.js';

/**
 * A migrated, empty embedded database, built once per test process: a fresh
 * PGlite runs initdb and every migration (about 5–8 s of CPU on this box, more
 * under load), so each later database in the process starts from this one's
 * data directory instead (about 0.5 s). The template is the real result of the
 * real migrations, built in the same process from the same code; tests of the
 * migrations themselves open PGlite without it.
 */
let template: Promise<Blob> | undefined;
export function migratedPgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const sql = await openPglite();
    await prepareStore({ kind: 'sql', engine: 'pglite', sql });
    const blob = await sql.dump();
    await sql.close();
    return blob;
  })();
  return template;
}

/** An in-memory PGlite with every migration applied. */
export async function openMigratedPglite(): Promise<PgliteClient> {
  return openPglite(undefined, { template: await migratedPgliteTemplate() });
}

let tarball: Promise<Buffer> | undefined;

/**
 * Lays a migrated database into an app's data directory (where `openStore`
 * keeps the embedded database: `<DATA_DIR>/pglite`), so the app starts on it;
 * the app still runs its migrations, which find nothing to do. The template is
 * PGlite's own dump of its data directory, a tar of exactly what PGlite keeps
 * on disk there, unpacked with tar(1).
 */
export async function seedAppDataDir(dataDir: string): Promise<void> {
  const dir = path.join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) return; // a database is there already (a restart test)
  tarball ??= migratedPgliteTemplate().then(async (b) => Buffer.from(await b.arrayBuffer()));
  const r = spawnSync('tar', ['-x', '-f', '-', '-C', dir], { input: await tarball, stdio: ['pipe', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`seedAppDataDir: tar failed (${r.status}): ${r.stderr?.toString() || r.error?.message}`);
}
