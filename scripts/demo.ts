/**
 * `npm run demo`: the golden path against a running `npm start`, one line per step, from a customer's
 * registration to both orders delivered by couriers and completed.
 *   DEMO_URL (default http://127.0.0.1:3000, the default PORT) is the app; run it with the same DATA_DIR
 *   (and JWT_SECRET, if set) as the app: the customer and the couriers register with the verification code
 *   the development app writes to DATA_DIR/dev-sms.log (its dev SMS outbox), and store owners and the
 *   verifiers get access tokens from the app's own signing secret, as `npm run token` mints them
 *   (development only).
 *   DEMO_PAYMENT=card|cash (default cash): `npm start` without STRIPE_SECRET_KEY disables card, so
 *   cash on delivery works out of the box; for card start the app against the Stripe stub
 *   (docs/ordering-payments.md) and set DEMO_PAYMENT=card.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { loadConfig } from '../infra/config.js';
import { AccessTokens } from '../infra/jwt.js';
import type { Role } from '../domain/shared/principal.js';
import { walkGoldenPath } from './golden-path.js';
import { devSmsCodes } from './golden-path-couriers.js';

async function main(): Promise<number> {
  const env = process.env.NODE_ENV || 'development';
  if (env !== 'development') {
    console.error(`npm run demo mints tokens with the app's development secret: NODE_ENV must be development (it is ${env})`);
    return 1;
  }
  const url = (process.env.DEMO_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');
  const paymentMethod = process.env.DEMO_PAYMENT === 'card' ? 'card' : 'cash';
  const health = await fetch(`${url}/health`).catch(() => null);
  if (!health?.ok) {
    console.error(`no app answers ${url}/health: start it with \`npm start\` (or set DEMO_URL)`);
    return 1;
  }
  const config = loadConfig();
  const tokens = new AccessTokens(config);
  const mint = (role: Role, sub: string, perms: string[] = []) => tokens.sign({ sub, role, perms, sid: `demo-${randomUUID()}` }).token;
  const smsCode = devSmsCodes(config.dataDir);
  let n = 0;
  const step = (line: string) => console.log(`${String(++n).padStart(2)}. ${line}`);

  const api = `${url}/api/v1`;
  const phone = `+96394${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  const password = 'Str0ng!Passw0rd';
  const post = (p: string, json: unknown) => fetch(`${api}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
  const registered = await post('/auth/register', { phone, password, role: 'customer' });
  if (registered.status !== 202) throw new Error(`customer: register answered ${registered.status}: ${await registered.text()}`);
  const verified = await post('/auth/otp/verify', { phone, code: await smsCode(phone) });
  if (verified.status !== 200) throw new Error(`customer: SMS code answered ${verified.status}: ${await verified.text()}`);
  const login = await post('/auth/login', { identifier: phone, password });
  if (login.status !== 200) throw new Error(`customer: log in answered ${login.status}: ${await login.text()}`);
  const customerToken = ((await login.json()) as { data: { accessToken: string } }).data.accessToken;
  step(`customer ${phone} registered with the SMS code and logged in against ${url}`);
  const walked = await walkGoldenPath({ url, mint, customerToken, paymentMethod, smsCode, step });
  // The customer's tracking page of each order, with the login the page asks for (a development account).
  for (const ord of walked.checkout.orders) console.log(`tracking page: ${url}/track/${ord.orderId} (sign in as ${phone}, password ${password})`);
  console.log('done');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
