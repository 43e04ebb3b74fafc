/**
 * `npm run demo`: the golden path against a running `npm start`, one line per step.
 *   DEMO_URL (default http://127.0.0.1:3000, the default PORT) is the app; run it with the same DATA_DIR
 *   (and JWT_SECRET, if set) as the app: store owners and the store verifier get access tokens from the
 *   app's own signing secret, as `npm run token` mints them (development only), and the customer too,
 *   because the verification code of a real registration goes to the app's SMS log, out of reach here
 *   (the end-to-end test registers one for real).
 *   DEMO_PAYMENT=card|cash (default cash): `npm start` without STRIPE_SECRET_KEY disables card, so
 *   cash on delivery works out of the box; for card start the app against the Stripe stub
 *   (docs/ordering-payments.md) and set DEMO_PAYMENT=card.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../infra/config.js';
import { AccessTokens } from '../infra/jwt.js';
import type { Role } from '../domain/shared/principal.js';
import { walkGoldenPath } from './golden-path.js';

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
  const tokens = new AccessTokens(loadConfig());
  const mint = (role: Role, sub: string, perms: string[] = []) => tokens.sign({ sub, role, perms, sid: `demo-${randomUUID()}` }).token;
  let n = 0;
  const step = (line: string) => console.log(`${String(++n).padStart(2)}. ${line}`);
  const customerId = `demo-customer-${randomUUID()}`;
  step(`customer ${customerId} signed in (token from the app's development secret) against ${url}`);
  await walkGoldenPath({ url, mint, customerToken: mint('customer', customerId), paymentMethod, step });
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
