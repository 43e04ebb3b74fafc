/**
 * Mints an access token for local testing with the app's real signing code and
 * secret (DATA_DIR/dev-secrets.json or JWT_SECRET). Development only.
 *   npm run token -- --role courier --sub <accountId> [--perms a,b | --admin-role super_admin] [--ttl 900]
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../infra/config.js';
import { AccessTokens } from '../infra/jwt.js';
import { ROLES, type Role } from '../domain/shared/principal.js';
import { ADMIN_ROLE_NAMES, permissionsOf, type AdminRole } from '../domain/identity/model.js';

function main(): number {
  const env = process.env.NODE_ENV || 'development';
  if (env !== 'development') {
    console.error(`npm run token works only with NODE_ENV=development (it is ${env})`);
    return 1;
  }
  const config = loadConfig();
  const { values } = parseArgs({ options: { role: { type: 'string' }, sub: { type: 'string' }, perms: { type: 'string' }, 'admin-role': { type: 'string' }, ttl: { type: 'string' } } });
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role) || !values.sub) {
    console.error(`usage: npm run token -- --role <${ROLES.join('|')}> --sub <accountId> [--perms a,b | --admin-role <${ADMIN_ROLE_NAMES.join('|')}>] [--ttl seconds]`);
    return 2;
  }
  const adminRole = values['admin-role'] as AdminRole | undefined;
  if (adminRole && !ADMIN_ROLE_NAMES.includes(adminRole)) {
    console.error(`unknown admin role ${adminRole}`);
    return 2;
  }
  const perms = role !== 'admin' ? [] : values.perms ? values.perms.split(',').map((p) => p.trim()).filter(Boolean) : permissionsOf(adminRole ?? 'super_admin');
  const ttl = values.ttl ? Number(values.ttl) : config.ACCESS_TOKEN_TTL_S;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) {
    console.error('--ttl must be 1..86400 seconds');
    return 2;
  }
  const { token } = new AccessTokens(config).sign({ sub: values.sub, role, perms, sid: `dev-${randomUUID()}` }, ttl);
  console.log(token);
  return 0;
}

process.exit(main());
