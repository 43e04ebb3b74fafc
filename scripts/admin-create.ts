/**
 * Creates an admin account: `npm run admin:create` asks for what is missing;
 * flags make it scriptable:
 *   npm run admin:create -- --phone +14155550100 --email ops@example.com --name "Ops" --admin-role super_admin
 * The password is read from DARAA_ADMIN_PASSWORD or asked for (never a flag: it would show in `ps`).
 * Without a terminal nothing can be asked: every field must be given, or it exits 2 naming the missing ones.
 *
 * With the embedded PGlite store it refuses while `npm start` runs (exit 1, the message `npm run seed`
 * gives): PGlite allows one process, and a copy opened here would write where the app never looks.
 * Letting the running app create the admin through a local channel would put an unauthenticated
 * admin-creation path inside the server for a one-off step; stopping the app for it is safer.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from '../infra/config.js';
import { openStore, closeStore, createRepositories } from '../infra/db/index.js';
import { Argon2PasswordHasher } from '../infra/passwords.js';
import { systemClock, uuidIds } from '../domain/shared/ids.js';
import { RecordAuditEntry } from '../domain/platform/use-cases/record-audit-entry.js';
import { CreateAdmin } from '../domain/identity/use-cases/create-admin.js';
import { ADMIN_ROLE_NAMES, type AdminRole } from '../domain/identity/model.js';
import { isAppError } from '../domain/shared/errors.js';
import { assertEmbeddedStoreFree, StoreInUse } from './embedded-store.js';

async function ask(question: string, hidden = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (hidden) {
    // Echo nothing while the password is typed.
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    out._writeToOutput = (s: string) => void (s.includes(question) ? process.stdout.write(s) : undefined);
  }
  const answer = await rl.question(question);
  if (hidden) process.stdout.write('\n');
  rl.close();
  return answer.trim();
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { phone: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, 'admin-role': { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(`usage: npm run admin:create -- [--phone +E164] [--email x] [--name x] [--admin-role ${ADMIN_ROLE_NAMES.join('|')}] [--force]\npassword: DARAA_ADMIN_PASSWORD or prompt; without a terminal every field is required`);
    return 0;
  }
  if (!process.stdin.isTTY) {
    const missing = [
      ...(['phone', 'email', 'name'] as const).filter((k) => values[k] === undefined).map((k) => `--${k}`),
      ...(process.env.DARAA_ADMIN_PASSWORD ? [] : ['DARAA_ADMIN_PASSWORD']),
    ];
    if (missing.length) {
      console.error(`no terminal to ask on: missing ${missing.join(', ')} (see --help)`);
      return 2;
    }
  }
  const config = loadConfig();
  // Before any prompt: nobody should type a password only to be refused.
  assertEmbeddedStoreFree(config, 'npm run admin:create', { force: values.force });
  const phone = values.phone ?? (await ask('Phone (E.164, e.g. +14155550100): '));
  const email = values.email ?? (await ask('Email: '));
  const name = values.name ?? (await ask('Name: '));
  const adminRole = (values['admin-role'] ?? ((await ask(`Admin role [${ADMIN_ROLE_NAMES.join(', ')}] (super_admin): `)) || 'super_admin')) as AdminRole;
  if (!ADMIN_ROLE_NAMES.includes(adminRole)) {
    console.error(`unknown admin role "${adminRole}"; one of ${ADMIN_ROLE_NAMES.join(', ')}`);
    return 2;
  }
  let password = process.env.DARAA_ADMIN_PASSWORD ?? '';
  if (!password) {
    password = await ask('Password: ', true);
    if ((await ask('Repeat password: ', true)) !== password) {
      console.error('passwords differ');
      return 2;
    }
  }

  const store = await openStore(config);
  try {
    const repos = createRepositories(store);
    const deps = { clock: systemClock, ids: uuidIds };
    const createAdmin = new CreateAdmin({ ...deps, accounts: repos.accounts, passwords: new Argon2PasswordHasher(), recordAuditEntry: new RecordAuditEntry({ ...deps, auditLog: repos.auditLog }) });
    const admin = await createAdmin.execute({ phone, email, name, password, adminRole });
    console.log(`admin created: id=${admin.id} phone=${admin.phone} role=${admin.adminRole} permissions=${admin.permissions.join(',')}`);
    return 0;
  } catch (err) {
    if (isAppError(err)) {
      console.error(`${err.code}: ${err.message}${err.details ? ` ${JSON.stringify(err.details)}` : ''}`);
      return 1;
    }
    throw err;
  } finally {
    await closeStore(store);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError || err instanceof StoreInUse ? err.message : err);
    process.exit(1);
  },
);
