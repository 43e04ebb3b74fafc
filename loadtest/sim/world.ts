/**
 * The city one run plays in: the real app on port 0 (its own redis-server and
 * PGlite, embedded defaults), the Catalog issue's demo city seeded into it
 * (scripts/seed-city.ts, the same seed every run), every store opened round
 * the clock and restocked for the day through the API by its owner, the
 * customers' addresses and the stores that deliver to each (GET /stores/near),
 * and the fleet's accounts, verified as the sign-up flow leaves them. Everyone
 * logs in over POST /auth/login.
 */
import { startTestApp, type TestApp } from '../../test/helpers/app.js';
import { seedCity } from '../../scripts/seed-city.js';
import { SEED_PASSWORD } from '../../scripts/seed-accounts.js';
import { cityPhone } from '../../scripts/seed-city.js';
import { seedPhone } from '../../scripts/seed-accounts.js';
import { Account } from '../../domain/identity/model.js';
import type { Cradle } from '../../infra/container.js';
import { apiOf, type Api } from './client.js';
import type { PlanAddress, PlanStore, Point } from './plan.js';

export interface CityOptions {
  seed: number;
  stores: number;
  customers: number;
  products: number;
  couriers: number;
}

export interface WorldStore extends PlanStore {
  storeId: string;
  ownerToken: string;
  location: Point;
  variants: { variantId: string; priceMinor: number; stock: number }[];
}

export interface WorldAddress extends PlanAddress {
  addressId: string;
}

export interface World {
  app: TestApp;
  c: Cradle;
  api: Api;
  adminToken: string;
  stores: WorldStore[];
  customers: { customerId: string; token: string }[];
  addresses: WorldAddress[];
  couriers: { courierId: string; token: string }[];
}

const ALWAYS_OPEN = { timeZone: 'UTC', weekly: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, opens: '00:00', closes: '24:00' })) };
/** Units each variant is restocked with for the day: more than a day of orders takes. */
export const DAY_STOCK = 1_000;

/** `fn` over `items`, `n` at a time, results in order. */
export async function pool<T, R>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}

/** The sim's own fleet, numbered after the demo city's blocks of phones. */
const simCourierPhone = (i: number) => cityPhone('courier', i);

/** A courier account in the state the sign-up flow leaves it: phone verified, profile complete, licence approved. */
async function ensureCourier(c: Cradle, i: number, verifierId: string, passwordHash: string): Promise<Account> {
  const phone = simCourierPhone(i);
  const found = await c.accounts.findByPhone(phone);
  if (found) return found;
  const at = c.clock.now();
  const a = Account.create({ id: c.ids.next(), role: 'courier', phone, passwordHash, at });
  a.verifyPhone(at);
  a.updateProfile({ name: `Sim courier ${i}`, vehicleType: 'motorbike', capacityKg: 25 }, at);
  a.submitDocuments(at);
  a.decideVerification('approve', 'city simulation fleet', verifierId, at);
  await c.accounts.create(a);
  return a;
}

async function login(api: Api, phone: string): Promise<{ token: string; accountId: string }> {
  const pair = await api<{ accessToken: string; account: { id: string } }>(`log in ${phone}`, '/auth/login', { method: 'POST', json: { identifier: phone, password: SEED_PASSWORD } });
  return { token: pair.accessToken, accountId: pair.account.id };
}

/** The app's limits a whole city from one address would hit: raised, as the checkout bench does. */
export const SIM_APP_ENV: Record<string, string> = {
  RATE_LIMIT_AUTH_PER_MIN: '1000000',
  RATE_LIMIT_ANON_PER_MIN: '1000000',
  RATE_LIMIT_STRICT_PER_15MIN: '1000000',
};

export async function buildWorld(opts: CityOptions, log: (line: string) => void): Promise<World> {
  const app = await startTestApp({ env: SIM_APP_ENV });
  try {
    const c = app.system.composed.container.cradle as Cradle;
    const t0 = Date.now();
    const { context } = await seedCity(c, { stores: opts.stores, customers: opts.customers, seed: opts.seed, products: opts.products });
    const api = apiOf(app.url);
    const adminToken = app.token('admin', 'sim-admin');
    const owners = new Map(context.owners.map((a) => [a.id, a]));

    const listed = context.stores.filter((s) => s.verification.status === 'approved');
    const stores = await pool(listed, 4, async (s): Promise<WorldStore> => {
      const { token } = await login(api, owners.get(s.ownerId)!.phone);
      await api(`open ${s.id} round the clock`, `/stores/${s.id}`, { method: 'PATCH', token, json: { hours: ALWAYS_OPEN } });
      const variants = context.products
        .filter((p) => p.storeId === s.id && p.status === 'active')
        .flatMap((p) => p.variants.map((v) => ({ variantId: v.id, priceMinor: v.price, stock: DAY_STOCK })));
      for (const v of variants) {
        await api('restock for the day', `/variants/${v.variantId}/stock/movements`, { method: 'POST', token, json: { kind: 'receipt', quantity: DAY_STOCK, key: `sim-day:${v.variantId}` } });
      }
      return { storeId: s.id, ownerToken: token, location: s.location, minimumOrderMinor: s.minimumOrder ?? 0, variants };
    });
    const storeIndex = new Map(stores.map((s, i) => [s.storeId, i]));

    const customers: World['customers'] = [];
    const addresses: WorldAddress[] = [];
    const perCustomer = await pool(context.customers, 4, async (a) => {
      const { token } = await login(api, a.phone);
      const book = await api<{ items: { id: string; point: Point }[] }>('addresses', '/addresses?limit=100', { token });
      const near = await Promise.all(book.items.map((ad) => api<{ items: { store: { id: string }; distanceM: number }[] }>('stores near', `/stores/near?addressId=${ad.id}&limit=100`, { token })));
      return { customerId: a.id, token, book: book.items.map((ad, k) => ({ ad, near: near[k]!.items })) };
    });
    for (const [ci, p] of perCustomer.entries()) {
      customers.push({ customerId: p.customerId, token: p.token });
      for (const { ad, near } of p.book) {
        const serving = [...near].sort((x, y) => x.distanceM - y.distanceM).map((n) => storeIndex.get(n.store.id)).filter((i): i is number => i !== undefined);
        addresses.push({ customer: ci, addressId: ad.id, point: ad.point, stores: serving });
      }
    }

    const verifier = await c.accounts.findByPhone(seedPhone('admin', 0));
    const passwordHash = await c.passwords.hash(SEED_PASSWORD);
    const fleet = await pool(Array.from({ length: opts.couriers }, (_, i) => i), 4, async (i) => {
      const a = await ensureCourier(c, i, verifier!.id, passwordHash);
      const { token } = await login(api, a.phone);
      return { courierId: a.id, token };
    });
    const served = addresses.filter((a) => a.stores.length > 0).length;
    log(`city: ${stores.length} stores, ${customers.length} customers with ${addresses.length} addresses (${served} served by a store), ${fleet.length} couriers; ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { app, c, api, adminToken, stores, customers, addresses, couriers: fleet };
  } catch (err) {
    await app.stop();
    throw err;
  }
}
