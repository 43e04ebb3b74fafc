/**
 * npm run bench:catalog: the catalog benchmark, in one process, on one catalog.
 * - search: 2,000 stores and 100,000 products (loadtest/catalog-seed.ts) on PostgreSQL
 *   (BENCH_PG, default postgres://postgres@127.0.0.1:5432/test, in a schema of its own,
 *   dropped at the end; PGlite when PostgreSQL is not reachable, and the output says
 *   which). The production SqlProductSearch (full text: GIN over the generated tsvector,
 *   prefix tsquery, ts_rank, the page and the facet query) against the same class with
 *   the text condition swapped for a naive ILIKE '%word%' scan over the four text
 *   columns, every other filter, sort, page and facet unchanged. Alternating windows
 *   (the order flips each window), three query classes (selective, medium, broad) in
 *   Arabic and English, each query with one of the filter mixes;
 * - reservations: the race of bench-catalog-stock.ts (200 parallel reservations for
 *   the last 20 units) on the same database;
 * - zones: benchZones() of bench-catalog-zones.ts (2,000 stores' zones, the H3 index against a
 *   brute-force turf scan at random points), run first: it is pure CPU and needs no database.
 * Writes loadtest/results/catalog.json.
 *
 * Env: BENCH_PG, BENCH_WINDOWS (4), BENCH_PER_CLASS (12 queries per class per window).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { openPglite, openPostgres, type SqlClient } from '../infra/db/sql/client.js';
import { closeStore, createRepositories, prepareStore, type Store } from '../infra/db/index.js';
import { SqlProductSearch, SqlSearchParams } from '../infra/db/sql/product-search.js';
import type { ProductSearch, ProductSearchCriteria } from '../domain/catalog/search.js';
import { normalizeSearchText, parseSearchQuery, type SearchQuery } from '../domain/catalog/search-text.js';
import { pageRequest } from '../domain/shared/pagination.js';
import { systemClock, uuidIds } from '../domain/shared/ids.js';
import { ATTEMPTS, UNITS, reservationRace } from './bench-catalog-stock.js';
import { benchZones } from './bench-catalog-zones.js';
import { BRANDS, KINDS, PRODUCTS, QUALITIES, STORES, brandName, seedCatalog, seeded, type SeededCatalog } from './catalog-seed.js';

const PG = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 4);
const PER_CLASS = Number(process.env.BENCH_PER_CLASS ?? 12);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const stats = (xs: number[]) => ({ p50Ms: round(pct(xs, 50), 2), p99Ms: round(pct(xs, 99), 2), n: xs.length });

/** The naive baseline: the same search with each word looked for anywhere in the four text columns. */
class IlikeProductSearch extends SqlProductSearch {
  protected override textCondition(q: SearchQuery, params: SqlSearchParams): { condition: string; rank: string | null } {
    const word = (w: string) => {
      const p = params.add(`%${w}%`);
      return `(p.name_ar ilike ${p} or p.name_en ilike ${p} or p.description_ar ilike ${p} or p.description_en ilike ${p})`;
    };
    return { condition: q.words.map(word).join(' and '), rank: null };
  }
}

type Class = 'selective' | 'medium' | 'broad';
interface Query { cls: Class; criteria: ProductSearchCriteria }

/** Query words the naive scan can find as typed: normalisation would change nothing in them. */
const typedAsStored = (w: string) => normalizeSearchText(w) === w;

function queries(catalog: SeededCatalog, window: number): Query[] {
  const r = seeded(7_000 + window);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const arKinds = KINDS.map((k) => k[0]).filter((w) => typedAsStored(w) && !w.includes(' '));
  const arQualities = QUALITIES.map((q) => q[0]).filter(typedAsStored);
  const texts: Record<Class, () => string> = {
    // A brand (50 products), alone or with its kind in Arabic (about 35).
    selective: () => {
      const b = Math.floor(r() * BRANDS);
      const kind = KINDS[b % KINDS.length]!;
      return r() < 0.5 || !typedAsStored(kind[0]) ? brandName(b) : `${kind[0]} ${brandName(b)}`;
    },
    // A kind (about 1,700 products), in English or Arabic.
    medium: () => (r() < 0.5 ? pick(KINDS)[1].split(' ')[0]! : pick(arKinds)),
    // A quality (about 4,000 products) or a two-letter prefix typed so far.
    broad: () => (r() < 0.7 ? (r() < 0.5 ? pick(QUALITIES)[1] : pick(arQualities)) : pick(['ch', 'po', 'بر', 'حل'])),
  };
  const filters = (): Partial<ProductSearchCriteria> => {
    const x = r();
    if (x < 0.3) return {};
    if (x < 0.55) return { categoryIds: catalog.categoryIds.filter((id) => id.startsWith(pick(catalog.roots))) };
    if (x < 0.75) return { priceMin: 1_000, priceMax: 10_000 };
    if (x < 0.9) return { inStock: true };
    return { minRating: 4 };
  };
  const out: Query[] = [];
  for (const cls of ['selective', 'medium', 'broad'] as const) {
    for (let i = 0; i < PER_CLASS; i++) out.push({ cls, criteria: { text: parseSearchQuery(texts[cls]())!, sort: 'relevance', ...filters() } });
  }
  return out;
}

async function timed(search: ProductSearch, q: Query): Promise<{ ms: number; total: number }> {
  const t = performance.now();
  const r = await search.search(q.criteria, pageRequest(1, 20));
  return { ms: performance.now() - t, total: r.total };
}

async function openStore(): Promise<{ store: Store; backend: 'postgres' | 'pglite'; note?: string; drop?: (db: SqlClient) => Promise<void> }> {
  const schema = `bench_catalog_${randomBytes(4).toString('hex')}`;
  try {
    const sql = await openPostgres({ url: PG, schema, max: 20 });
    await sql.ping();
    return { store: { kind: 'sql', engine: 'postgres', sql }, backend: 'postgres', drop: async (db) => void (await db.query(`drop schema ${schema} cascade`)) };
  } catch (err) {
    return { store: { kind: 'sql', engine: 'pglite', sql: await openPglite() }, backend: 'pglite', note: `PostgreSQL not reachable at ${PG.replace(/\/\/[^@]*@/, '//')} (${(err as Error).message}); ran on PGlite` };
  }
}

async function benchSearch(db: SqlClient, catalog: SeededCatalog) {
  const fts = new SqlProductSearch(db);
  const naive = new IlikeProductSearch(db);
  for (const q of queries(catalog, -1).slice(0, 6)) await Promise.all([timed(fts, q), timed(naive, q)]); // warm caches and plans
  const ms: Record<'fts' | 'naive', Record<Class, number[]>> = { fts: { selective: [], medium: [], broad: [] }, naive: { selective: [], medium: [], broad: [] } };
  const matches: Record<'fts' | 'naive', Record<Class, number[]>> = { fts: { selective: [], medium: [], broad: [] }, naive: { selective: [], medium: [], broad: [] } };
  for (let w = 0; w < WINDOWS; w++) {
    const qs = queries(catalog, w);
    const order = w % 2 === 0 ? (['fts', 'naive'] as const) : (['naive', 'fts'] as const);
    for (const side of order) {
      for (const q of qs) {
        const r = await timed(side === 'fts' ? fts : naive, q);
        ms[side][q.cls].push(r.ms);
        matches[side][q.cls].push(r.total);
      }
    }
    console.log(`window ${w + 1}/${WINDOWS} done (load ${os.loadavg()[0]!.toFixed(2)})`);
  }
  const all = (side: 'fts' | 'naive') => Object.values(ms[side]).flat();
  const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length, 0);
  const classes = Object.fromEntries((['selective', 'medium', 'broad'] as const).map((cls) => [cls, {
    fullText: stats(ms.fts[cls]), ilike: stats(ms.naive[cls]),
    speedupP50: round(pct(ms.naive[cls], 50) / pct(ms.fts[cls], 50)),
    meanMatches: { fullText: mean(matches.fts[cls]), ilike: mean(matches.naive[cls]) },
  }]));
  const f = stats(all('fts'));
  const n = stats(all('naive'));
  return { products: PRODUCTS, stores: STORES, speedup: round(n.p50Ms / f.p50Ms), p50Ms: f.p50Ms, p99Ms: f.p99Ms, ilike: n, speedupP99: round(n.p99Ms / f.p99Ms), classes };
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg().map((x) => round(x, 2));
  const zones = await benchZones({ stores: 2_000, points: Number(process.env.BENCH_ZONE_POINTS ?? 10_000), log: (l) => console.log(`zones: ${l}`) });
  const { store, backend, note, drop } = await openStore();
  console.log(`backend: ${backend}${note ? ` (${note})` : ''}`);
  await prepareStore(store);
  if (store.kind !== 'sql') throw new Error('the search benchmark runs on SQL');
  const db = store.sql;
  let catalog: SeededCatalog;
  let search: Awaited<ReturnType<typeof benchSearch>>;
  let race: Awaited<ReturnType<typeof reservationRace>>;
  try {
    catalog = await seedCatalog(db, (what) => console.log(`seeded ${what}`));
    console.log(`seeded in ${round(catalog.seedMs / 1000)} s`);
    search = await benchSearch(db, catalog);
    const repos = createRepositories(store);
    race = await reservationRace({ inventory: repos.inventory, outbox: repos.outbox, unitOfWork: repos.unitOfWork, clock: systemClock, ids: uuidIds });
  } finally {
    await drop?.(db);
    await closeStore(store);
  }
  const out = {
    zones,
    search: { ...search, backend, ...(note ? { note } : {}), seedS: round(catalog.seedMs / 1000) },
    reservations: { attempts: ATTEMPTS, units: UNITS, succeeded: race.succeeded, insufficientStock: race.insufficientStock, movementsMatchOnHand: race.movementsMatchOnHand, wallMs: round(race.wallMs) },
    loadAverage: { before: loadBefore, after: os.loadavg().map((x) => round(x, 2)) },
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    command: 'npm run bench:catalog',
    at: new Date().toISOString(),
  };
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'catalog.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
  const ok = zones.speedup >= 20 && zones.recall === 1 && zones.precision === 1 && search.speedup >= 10 && race.succeeded === UNITS && race.insufficientStock === ATTEMPTS - UNITS && race.movementsMatchOnHand;
  process.exit(ok ? 0 : 1);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
