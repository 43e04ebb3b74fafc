/**
 * Seeds a load test: `npm run seed -- --couriers 200 --customers 400`
 *
 * Creates (or finds again: every run is idempotent, keyed by phone and order id)
 *  - N verified couriers (phone verified, complete profile, documents approved
 *    by a seed verifier admin) and M active customers;
 *  - a store owner and one store at the city centre;
 *  - one delivery per customer (`seed-order-<j>`, dropoff 0.5–5 km from the
 *    store), created and assigned round-robin to the couriers through the
 *    delivery use cases; deliveries of a previous, larger seed are cancelled;
 *  - one real session (refresh-token family) and access token per courier and
 *    customer, from the identity SessionTokens;
 * and writes the Artillery payloads loadtest/data/couriers.csv
 * (token,courierId,orderId,lat,lng: lat/lng is the centre of the loop the
 * courier drives, ≥ 500 m from its pickup and dropoffs so no geofence fires)
 * and loadtest/data/watchers.csv (token,orderId,customerId), plus seed.json.
 *
 * Accounts are built with the identity model's own transitions and stored by
 * the real repositories in one write each, with one shared argon2id hash of
 * the seed password (DARAA_SEED_PASSWORD, default below): the HTTP flow
 * (argon2 per registration and per login, an OTP per phone) would take
 * minutes for thousands of accounts and is covered by the e2e tests. Tokens
 * come from SessionTokens.open, what LogIn does once the password matched,
 * with a longer access-token TTL (--ttl, default 6 h) so a load test started
 * later still authenticates. Revoking a seeded session works as for any other.
 *
 * PGlite (the embedded default) is single-process: the seed boots the same
 * configuration as `npm start` (DATA_DIR, DATABASE_URL, MONGODB_URI, REDIS_URL)
 * in-process, so run it BEFORE `npm start`. It refuses while an app holds the
 * embedded store.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AwilixContainer } from 'awilix';
import { loadConfig, ConfigError, type Config } from '../infra/config.js';
import { buildContainer, type Cradle } from '../infra/container.js';
import { openStore, closeStore } from '../infra/db/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../infra/embedded-redis.js';
import { createLogger } from '../infra/logger.js';
import { createRedisClient, connectRedis, parseClusterNodes, type RedisTarget } from '../infra/redis.js';
import { Account } from '../domain/identity/model.js';
import { DELIVERY_STATUSES, isFinal } from '../domain/delivery/model.js';
import type { Principal, Role } from '../domain/shared/principal.js';
import { rng } from './rng.js';
import { SEED_PASSWORD, seedPhone } from './seed-accounts.js';
import { assertEmbeddedStoreFree, StoreInUse } from './embedded-store.js';
import { SingleBar, Presets } from 'cli-progress';
import { seedCity, cityPhone, type CityOptions, type Progress } from './seed-city.js';
import { DEFAULT_PRODUCTS_PER_STORE } from './seed-city-catalog.js';

export { SEED_PASSWORD, seedPhone };
/** Damascus, as in the geo bench. */
export const DEFAULT_CENTRE = { lat: 33.5138, lng: 36.2765 };
const ORDER_PREFIX = 'seed-order-';
const CONCURRENCY = 16;

export interface SeedOptions {
  couriers: number;
  customers: number;
  /** Access-token lifetime, seconds (default 6 h). */
  tokenTtlS?: number;
  centre?: { lat: number; lng: number };
  log?: (line: string) => void;
}

export interface SeededCourier { courierId: string; token: string; orderId: string; lat: number; lng: number }
export interface SeededWatcher { customerId: string; token: string; orderId: string }
export interface SeedResult {
  couriers: SeededCourier[];
  watchers: SeededWatcher[];
  storeId: string;
  ownerId: string;
  tokenExpiresAt: string;
}

export class SeedRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedRefused';
  }
}


const M_PER_DEG = 111_320;
function around(centre: { lat: number; lng: number }, r: () => number, minM: number, maxM: number) {
  const d = minM + r() * (maxM - minM);
  const a = r() * 2 * Math.PI;
  const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
  return { lat: round6(centre.lat + (d * Math.cos(a)) / M_PER_DEG), lng: round6(centre.lng + (d * Math.sin(a)) / (M_PER_DEG * Math.cos((centre.lat * Math.PI) / 180))) };
}
function metres(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const dy = (a.lat - b.lat) * M_PER_DEG;
  const dx = (a.lng - b.lng) * M_PER_DEG * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

async function inBatches<T, R>(items: T[], fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  }));
  return out;
}

/** Refuses while an app holds the embedded store (see scripts/embedded-store.ts). */
export function assertStoreNotInUse(config: Config, opts: { force?: boolean } = {}): void {
  try {
    assertEmbeddedStoreFree(config, 'npm run seed', opts);
  } catch (err) {
    throw err instanceof StoreInUse ? new SeedRefused(err.message) : err;
  }
}

/** Boots Redis, the store and the container like `npm start` does (nothing listens), seeds, and shuts down. */
export async function seed(config: Config, opts: SeedOptions & { force?: boolean }): Promise<SeedResult> {
  const ttl = opts.tokenTtlS ?? 6 * 3600;
  // The seed's tokens outlive the default 15 minutes (see the header); nothing else changes.
  return withSeedContainer({ ...config, ACCESS_TOKEN_TTL_S: ttl }, opts, (c) => seedWith(c, opts));
}

/** Runs `fn` on a container booted as `npm start` boots one (nothing listens), then shuts everything down. */
export async function withSeedContainer<T>(config: Config, opts: { force?: boolean }, fn: (c: Cradle) => Promise<T>): Promise<T> {
  assertStoreNotInUse(config, opts);
  let embedded: EmbeddedRedis | undefined;
  const redisTarget: RedisTarget = config.REDIS_CLUSTER_NODES
    ? { nodes: parseClusterNodes(config.REDIS_CLUSTER_NODES) }
    : { url: config.REDIS_URL ?? (embedded = await startEmbeddedRedis({ dataDir: path.join(config.dataDir, 'redis') })).url };
  const redis = createRedisClient(redisTarget, 'command', 'seed');
  let container: AwilixContainer<Cradle> | undefined;
  const store = await openStore(config).catch(async (err: unknown) => {
    await embedded?.stop();
    throw err;
  });
  try {
    await connectRedis(redis);
    const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
    container = buildContainer({ config, logger, redisTarget, redis, store }, 'api');
    return await fn(container.cradle);
  } finally {
    await container?.dispose().catch(() => undefined);
    redis.disconnect();
    await closeStore(store);
    await embedded?.stop();
  }
}

/** The seeding itself, on a built container (tests and the bench may pass their own). */
export async function seedWith(c: Cradle, opts: SeedOptions): Promise<SeedResult> {
  const log = opts.log ?? (() => undefined);
  const centre = opts.centre ?? DEFAULT_CENTRE;
  const at = () => c.clock.now();
  const passwordHash = await c.passwords.hash(SEED_PASSWORD);

  const verifier = (await c.accounts.findByPhone(seedPhone('admin', 0))) ??
    (await c.createAdmin.execute({ phone: seedPhone('admin', 0), email: 'seed-verifier@daraa.test', name: 'Seed verifier', password: SEED_PASSWORD, adminRole: 'verifier' }));

  /** An account in the state the registration, profile and verification flow leaves it in. */
  const ensureAccount = async (role: Exclude<Role, 'admin'>, i: number): Promise<Account> => {
    const phone = seedPhone(role, i);
    const found = await c.accounts.findByPhone(phone);
    if (found) {
      if (found.role !== role) throw new SeedRefused(`${phone} belongs to a ${found.role}, not a ${role}: use a fresh DATA_DIR`);
      return found;
    }
    const a = Account.create({ id: c.ids.next(), role, phone, passwordHash, at: at() });
    a.verifyPhone(at());
    if (role === 'courier') a.updateProfile({ name: `Seed courier ${i}`, vehicleType: 'motorbike', capacityKg: 20 }, at());
    if (role === 'customer') a.updateProfile({ name: `Seed customer ${i}`, addresses: [] }, at());
    if (role === 'store_owner') a.updateProfile({ businessName: 'Seed Kitchen', legalName: 'Seed Kitchen LLC', registrationNumber: `SEED-${i}`, taxId: `TAX-${i}` }, at());
    if (role !== 'customer') {
      a.submitDocuments(at());
      a.decideVerification('approve', 'load-test seed', verifier.id, at());
    }
    await c.accounts.create(a);
    return a;
  };

  const t0 = Date.now();
  const owner = await ensureAccount('store_owner', 0);
  const couriers = await inBatches(Array.from({ length: opts.couriers }, (_, i) => i), (i) => ensureAccount('courier', i));
  const customers = await inBatches(Array.from({ length: opts.customers }, (_, i) => i), (i) => ensureAccount('customer', i));
  log(`${couriers.length} couriers and ${customers.length} customers ready in ${Date.now() - t0} ms`);

  const ownerSession = await c.sessionTokens.open(owner);
  const principal: Principal = c.accessTokens.verify(ownerSession.accessToken);
  const storeId = (await c.stores.list({ ownerId: owner.id }, { page: 1, limit: 1 })).items[0]?.id ??
    (await c.createStore.execute(principal, { name: 'Seed Kitchen', address: 'Load-test street 1', location: centre })).id;

  const t1 = Date.now();
  const orders = await inBatches(customers, async (customer, j) => {
    const orderId = `${ORDER_PREFIX}${j}`;
    const courier = couriers[j % couriers.length] as Account;
    const dropoff = around(centre, rng(1_000_003 + j), 500, 5_000);
    const d = await c.createDelivery.execute(principal, { orderId, storeId, customerId: customer.id, dropoff });
    if (d.courierId !== courier.id) await c.assignCourier.execute(principal, d.id, courier.id);
    return { orderId, customerId: customer.id, courierId: courier.id, dropoff };
  });
  const retired = await retireOtherSeedOrders(c, principal, storeId, new Set(orders.map((o) => o.orderId)));
  log(`${orders.length} deliveries created and assigned in ${Date.now() - t1} ms${retired ? `; ${retired} left from a larger seed cancelled` : ''}`);

  const t2 = Date.now();
  const courierTokens = await inBatches(couriers, async (a) => (await c.sessionTokens.open(a)).accessToken);
  const customerTokens = await inBatches(customers, async (a) => (await c.sessionTokens.open(a)).accessToken);
  log(`${courierTokens.length + customerTokens.length} sessions opened in ${Date.now() - t2} ms`);

  const byCourier = new Map<string, { orderId: string; dropoff: { lat: number; lng: number } }[]>();
  for (const o of orders) byCourier.set(o.courierId, [...(byCourier.get(o.courierId) ?? []), o]);
  return {
    couriers: couriers.map((a, i) => {
      const mine = byCourier.get(a.id) ?? [];
      return { courierId: a.id, token: courierTokens[i] as string, orderId: mine[0]?.orderId ?? '', ...loopCentre(centre, mine.map((o) => o.dropoff), i) };
    }),
    watchers: orders.map((o, j) => ({ customerId: o.customerId, token: customerTokens[j] as string, orderId: o.orderId })),
    storeId,
    ownerId: owner.id,
    tokenExpiresAt: new Date(c.accessTokens.verify(courierTokens[0] ?? ownerSession.accessToken).expiresAt * 1000).toISOString(),
  };
}

/** Where a courier drives its loop: 1–4 km from the store, ≥ 500 m from each of its dropoffs (loop radius 150 m + geofence 100 m, with room to spare). */
function loopCentre(centre: { lat: number; lng: number }, dropoffs: { lat: number; lng: number }[], i: number) {
  const r = rng(2_000_003 + i);
  for (let tries = 0; ; tries++) {
    const p = around(centre, r, 1_000, 4_000);
    if (tries > 50 || dropoffs.every((d) => metres(p, d) >= 500)) return p;
  }
}

/** Deliveries of an earlier, larger seed would keep their couriers busy with orders nobody watches: cancel them. */
async function retireOtherSeedOrders(c: Cradle, principal: Principal, storeId: string, keep: Set<string>): Promise<number> {
  let retired = 0;
  for (let page = 1; ; page++) {
    const r = await c.deliveries.list({ storeId, statuses: DELIVERY_STATUSES.filter((s) => !isFinal(s)) }, { page, limit: 100 });
    for (const d of r.items) {
      const v = d.toView();
      if (v.orderId.startsWith(ORDER_PREFIX) && !keep.has(v.orderId)) {
        await c.changeDeliveryStatus.execute(principal, v.id, { status: 'cancelled', reason: 'load-test seed resized' });
        retired += 1;
      }
    }
    if (page >= r.pagination.totalPages) return retired;
  }
}

// ---- CLI -------------------------------------------------------------------------

const csv = (rows: (string | number)[][]) => `${rows.map((r) => r.join(',')).join('\n')}\n`;

export function writePayloads(dir: string, result: SeedResult, meta: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'couriers.csv'), csv([['token', 'courierId', 'orderId', 'lat', 'lng'], ...result.couriers.map((x) => [x.token, x.courierId, x.orderId, x.lat, x.lng])]), { mode: 0o600 });
  writeFileSync(path.join(dir, 'watchers.csv'), csv([['token', 'orderId', 'customerId'], ...result.watchers.map((x) => [x.token, x.orderId, x.customerId])]), { mode: 0o600 });
  writeFileSync(path.join(dir, 'seed.json'), `${JSON.stringify({ ...meta, couriers: result.couriers.length, customers: result.watchers.length, storeId: result.storeId, ownerId: result.ownerId, tokenExpiresAt: result.tokenExpiresAt, createdAt: new Date().toISOString() }, null, 2)}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      couriers: { type: 'string', default: '200' },
      customers: { type: 'string', default: '400' },
      ttl: { type: 'string', default: String(6 * 3600) },
      out: { type: 'string', default: path.join('loadtest', 'data') },
      lat: { type: 'string' },
      lng: { type: 'string' },
      force: { type: 'boolean', default: false },
      city: { type: 'boolean', default: false },
      stores: { type: 'string', default: '300' },
      products: { type: 'string', default: String(DEFAULT_PRODUCTS_PER_STORE) },
      seed: { type: 'string', default: '42' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log('usage: npm run seed -- [--couriers 200] [--customers 400] [--ttl 21600] [--out loadtest/data] [--lat 33.5138 --lng 36.2765] [--force]\n       npm run seed -- --city [--stores 300] [--products 10 (per store)] [--customers 400] [--seed 42] [--force]   (the demo city of Damascus)\nRun it before `npm start` (PGlite is single-process).');
    return 0;
  }
  const couriers = Number(values.couriers);
  const customers = Number(values.customers);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(couriers) || couriers < 1 || couriers > 999_999 || !Number.isInteger(customers) || customers < 1 || customers > 999_999) {
    console.error('--couriers and --customers must be whole numbers from 1 to 999999');
    return 2;
  }
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 7 * 86_400) {
    console.error('--ttl must be 60..604800 seconds');
    return 2;
  }
  const env = process.env.NODE_ENV || 'development';
  if (env === 'production') {
    console.error('npm run seed creates accounts with a known password: it refuses NODE_ENV=production');
    return 1;
  }
  const config = loadConfig();
  if (values.city) return cityMain(config, { stores: Number(values.stores), products: Number(values.products), customers, seed: Number(values.seed) }, values.force);
  const centre = values.lat && values.lng ? { lat: Number(values.lat), lng: Number(values.lng) } : DEFAULT_CENTRE;
  const started = Date.now();
  const result = await seed(config, { couriers, customers, tokenTtlS: ttl, centre, force: values.force, log: (s) => console.log(`[seed] ${s}`) });
  const store = config.MONGODB_URI ? 'mongodb' : config.DATABASE_URL ? 'postgres' : `pglite:${path.join(config.dataDir, 'pglite')}`;
  writePayloads(values.out, result, { store, dataDir: config.dataDir, centre, password: 'DARAA_SEED_PASSWORD or the default in scripts/seed.ts' });
  console.log(`[seed] ${couriers} couriers, ${customers} customers, ${customers} deliveries, store ${result.storeId} in ${((Date.now() - started) / 1000).toFixed(1)}s; tokens valid until ${result.tokenExpiresAt}`);
  console.log(`[seed] payloads: ${path.join(values.out, 'couriers.csv')}, ${path.join(values.out, 'watchers.csv')}`);
  return 0;
}

async function cityMain(config: Config, opts: CityOptions, force: boolean): Promise<number> {
  const products = opts.products ?? DEFAULT_PRODUCTS_PER_STORE;
  if (!Number.isInteger(opts.stores) || opts.stores < 1 || opts.stores > 100_000 || !Number.isInteger(opts.seed) || !Number.isInteger(products) || products < 0 || products > 200) {
    console.error('--stores must be a whole number from 1 to 100000, --products from 0 to 200, --seed a whole number');
    return 2;
  }
  const started = Date.now();
  const { lines } = await withSeedContainer(config, { force }, (c) => seedCity(c, opts, cliProgress()));
  for (const line of lines) console.log(`[seed:city] ${line}`);
  console.log(`[seed:city] done in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${opts.seed}); log in as a customer: phone ${cityPhone('customer', 0)}, password DARAA_SEED_PASSWORD or the default in scripts/seed.ts`);
  return 0;
}

/** cli-progress draws one bar per step on a terminal; piped output gets one line per step instead. */
function cliProgress(): Progress {
  return (step, total) => {
    const bar = new SingleBar({ format: `[seed:city] {bar} {percentage}% | {value}/{total} ${step} | {duration_formatted}`, noTTYOutput: false, hideCursor: true }, Presets.shades_classic);
    bar.start(total, 0);
    return { tick: () => bar.increment(), done: () => bar.stop() };
  };
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof ConfigError || err instanceof SeedRefused ? `[seed] ${err.message}` : err);
      process.exit(1);
    },
  );
}
