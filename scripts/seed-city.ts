/**
 * The demo city: `npm run seed -- --city [--stores 300] [--customers 400] [--seed 42]`.
 *
 * A list of steps, each a function of one shared context, run in order with a
 * progress bar each. Other parts of the catalog plug in by adding a step to
 * CITY_STEPS (zones are in seed-city-zones.ts; categories, products and stock in seed-city-catalog.ts), reading what earlier steps
 * left in the context (`stores`, `customers`, …).
 *
 * Deterministic: every step draws from its own generator, seeded from --seed
 * and the step's name, and ids come from that generator too, so the same seed
 * gives the same city (and a new step does not reshuffle the others). Idempotent:
 * accounts are found again by phone, and a store owner with a store or a
 * customer with addresses is left as is. Writes go through the product's use
 * cases (CreateStore, AddAddress) and repositories, never raw SQL.
 */
import type { Cradle } from '../infra/container.js';
import { Account } from '../domain/identity/model.js';
import type { Principal, Role } from '../domain/shared/principal.js';
import type { IdGenerator } from '../domain/shared/ids.js';
import { CreateStore } from '../domain/catalog/use-cases/create-store.js';
import { AddAddress } from '../domain/catalog/use-cases/add-address.js';
import { UpdateStore } from '../domain/catalog/use-cases/update-store.js';
import { SubmitStoreDocument } from '../domain/catalog/use-cases/submit-store-document.js';
import { DecideStoreVerification } from '../domain/catalog/use-cases/decide-store-verification.js';
import { isListedStore, type HoursInput } from '../domain/catalog/model.js';
import type { OpeningPeriod } from '../domain/catalog/opening-hours.js';
import { AWAITING_VERIFICATION } from '../domain/catalog/store-verification.js';
import { rng } from './rng.js';
import { noProgress, type CityContext, type CityOptions, type CitySeedStep, type Progress } from './seed-city-kit.js';
import { CATALOG_STEPS } from './seed-city-catalog.js';
import { storeZones } from './seed-city-zones.js';
import { SEED_PASSWORD, seedPhone } from './seed-accounts.js';
import { ADDRESS_LABELS, FIRST_NAMES, LAST_NAMES, NEIGHBOURHOODS, NOTES, STORE_KINDS, STORE_NAMES, STREETS, type Words } from './seed-words.js';

export { noProgress, type CityContext, type CityOptions, type CitySeedStep, type Progress } from './seed-city-kit.js';

export const CITY_PHONE_OFFSET = 500_000;
/** The load seed's blocks, from index 500,000 on, so the two seeds never take each other's accounts. */
export const cityPhone = (role: Role, i: number): string => seedPhone(role, CITY_PHONE_OFFSET + i);

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const M_PER_DEG = 111_320;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
/** A point up to `maxM` from `centre`, uniform over the disc. */
function near(r: () => number, centre: { lat: number; lng: number }, maxM: number) {
  const d = Math.sqrt(r()) * maxM;
  const a = r() * 2 * Math.PI;
  return { lat: round6(centre.lat + (d * Math.cos(a)) / M_PER_DEG), lng: round6(centre.lng + (d * Math.sin(a)) / (M_PER_DEG * Math.cos((centre.lat * Math.PI) / 180))) };
}
const hash = (s: string) => [...s].reduce((h, ch) => (Math.imul(h ^ ch.charCodeAt(0), 16_777_619) >>> 0), 2_166_136_261);
function seededIds(r: () => number): IdGenerator {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  return { next: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(r() * 4)).toString(16)}${hex(3)}-${hex(12)}` };
}
const principalOf = (a: Account): Principal => ({ accountId: a.id, role: a.role, permissions: [], sessionId: 'seed-city', tokenId: 'seed-city', expiresAt: 0 });
const both = (w: Words) => `${w.ar} · ${w.en}`;

async function ensureAccount(ctx: CityContext, role: 'store_owner' | 'customer', i: number, name: Words): Promise<Account> {
  const { c } = ctx;
  const phone = cityPhone(role, i);
  const found = await c.accounts.findByPhone(phone);
  if (found) return found;
  const at = c.clock.now();
  const a = Account.create({ id: ctx.ids.next(), role, phone, passwordHash: ctx.passwordHash, at });
  a.verifyPhone(at);
  if (role === 'customer') a.updateProfile({ name: both(name), addresses: [] }, at);
  else {
    a.updateProfile({ businessName: both(name), legalName: `${name.en} LLC`, registrationNumber: `CITY-${i}`, taxId: `CITY-TAX-${i}` }, at);
    a.submitDocuments(at);
    a.decideVerification('approve', 'demo city seed', ctx.verifierId, at);
  }
  await c.accounts.create(a);
  return a;
}

const storeKindAndName = (r: () => number): { kind: Words; words: Words } => {
  const kind = pick(r, STORE_KINDS);
  const name = pick(r, STORE_NAMES);
  return { kind, words: { ar: `${kind.ar} ${name.ar}`, en: `${name.en} ${kind.en}` } };
};
const storeName = (r: () => number): Words => storeKindAndName(r).words;

const WEEK = ['sat', 'sun', 'mon', 'tue', 'wed', 'thu', 'fri'] as const;
const daily = (opens: string, closes: string, friday?: [string, string]): OpeningPeriod[] =>
  WEEK.map((day) => (day === 'fri' && friday ? { day, opens: friday[0], closes: friday[1] } : { day, opens, closes }));
/** Damascus hours by kind of shop: bakeries at dawn, restaurants and cafés past midnight, some pharmacies all night. */
function hoursOf(kind: Words, r: () => number): HoursInput {
  const weekly = ((): OpeningPeriod[] => {
    switch (kind.en) {
      case 'Bakery': return daily('06:00', '21:00', ['06:00', '12:00']);
      case 'Restaurant': return daily('11:00', '01:00');
      case 'Café': return daily('08:00', '02:00');
      case 'Pharmacy': return r() < 0.3 ? daily('00:00', '24:00') : daily('08:30', '23:00');
      default: return daily('09:00', '22:00', ['14:00', '22:00']);
    }
  })();
  return { timeZone: 'Asia/Damascus', weekly };
}
const streetLine = (r: () => number, hood: Words) => {
  const street = pick(r, STREETS);
  const n = 1 + Math.floor(r() * 120);
  return `${n} ${street.ar}، ${hood.ar} · ${n} ${street.en}, ${hood.en}, Damascus`;
};

/** Store owners, one per store, verified as the verification workflow leaves them. */
const storeOwners: CitySeedStep = {
  name: 'store owners',
  total: (ctx) => ctx.opts.stores,
  async run(ctx) {
    for (let i = 0; i < ctx.opts.stores; i++) {
      ctx.owners.push(await ensureAccount(ctx, 'store_owner', i, storeName(ctx.rand)));
      ctx.progress.tick();
    }
    return `${ctx.owners.length} store owners`;
  },
};

/** One store per owner, scattered around the neighbourhoods, with a profile: cuisine, hours, minimum order (CreateStore). */
const stores: CitySeedStep = {
  name: 'stores',
  total: (ctx) => ctx.owners.length,
  async run(ctx) {
    const create = new CreateStore({ stores: ctx.c.stores, outbox: ctx.c.outbox, unitOfWork: ctx.c.unitOfWork, clock: ctx.c.clock, ids: ctx.ids });
    const update = new UpdateStore({ stores: ctx.c.stores, outbox: ctx.c.outbox, unitOfWork: ctx.c.unitOfWork, clock: ctx.c.clock });
    let created = 0;
    for (const owner of ctx.owners) {
      // Draw before looking up, so a re-run draws the same numbers for the same owner.
      const hood = pick(ctx.rand, NEIGHBOURHOODS);
      const name = storeKindAndName(ctx.rand);
      const input = { name: both(name.words), phone: `+9639${String(Math.floor(ctx.rand() * 1e8)).padStart(8, '0')}`, address: streetLine(ctx.rand, hood), location: near(ctx.rand, hood, 900) };
      const profile = { cuisine: name.kind.en.toLowerCase(), hours: hoursOf(name.kind, ctx.rand), minimumOrder: (5 + Math.floor(ctx.rand() * 21)) * 1000 * 100 };
      const existing = (await ctx.c.stores.list({ ownerId: owner.id }, { page: 1, limit: 1 })).items[0];
      // A store seeded before stores had a profile gets one; any other existing store is left as is.
      if (existing && existing.hours === null) ctx.stores.push(await update.execute(principalOf(owner), existing.id, profile));
      else ctx.stores.push(existing ? existing.toView() : (created++, await create.execute(principalOf(owner), { ...input, ...profile })));
      ctx.progress.tick();
    }
    return `${ctx.stores.length} stores (${created} new)`;
  },
};

/** A tiny PDF: the licence every demo store shows its verifier. */
const LICENCE = Buffer.from('%PDF-1.4\n% demo city business licence\n%%EOF\n');

/** Every store sends its licence and the seed verifier approves it, so the demo city has listed stores. */
const storeVerification: CitySeedStep = {
  name: 'store verification',
  total: (ctx) => ctx.stores.length,
  async run(ctx) {
    const { c } = ctx;
    const updateStore = new UpdateStore({ stores: c.stores, outbox: c.outbox, unitOfWork: c.unitOfWork, clock: c.clock });
    const submit = new SubmitStoreDocument({ stores: c.stores, documentStorage: c.documentStorage, updateStore, clock: c.clock, ids: ctx.ids });
    const decide = new DecideStoreVerification({ stores: c.stores, outbox: c.outbox, unitOfWork: c.unitOfWork, clock: c.clock, ids: ctx.ids });
    const verifier: Principal = { accountId: ctx.verifierId, role: 'admin', permissions: ['verification:decide'], sessionId: 'seed-city', tokenId: 'seed-city', expiresAt: 0 };
    const ownerOf = (ownerId: string): Principal => ({ accountId: ownerId, role: 'store_owner', permissions: [], sessionId: 'seed-city', tokenId: 'seed-city', expiresAt: 0 });
    let approved = 0;
    for (const [i, store] of ctx.stores.entries()) {
      if (store.verification.status !== 'approved') {
        if (store.verification.status !== AWAITING_VERIFICATION) await submit.execute(ownerOf(store.ownerId), store.id, { kind: 'business_license', contentType: 'application/pdf', bytes: LICENCE });
        ctx.stores[i] = await decide.execute(verifier, store.id, { decision: 'approve', reason: 'demo city seed' });
        approved++;
      }
      ctx.progress.tick();
    }
    return `${ctx.stores.filter(isListedStore).length} listed stores (${approved} newly approved)`;
  },
};

const customers: CitySeedStep = {
  name: 'customers',
  total: (ctx) => ctx.opts.customers,
  async run(ctx) {
    for (let i = 0; i < ctx.opts.customers; i++) {
      const first = pick(ctx.rand, FIRST_NAMES);
      const last = pick(ctx.rand, LAST_NAMES);
      ctx.customers.push(await ensureAccount(ctx, 'customer', i, { ar: `${first.ar} ${last.ar}`, en: `${first.en} ${last.en}` }));
      ctx.progress.tick();
    }
    return `${ctx.customers.length} customers`;
  },
};

/** One to three addresses per customer, through AddAddress (the first becomes the default). */
const addresses: CitySeedStep = {
  name: 'addresses',
  total: (ctx) => ctx.customers.length,
  async run(ctx) {
    const { c } = ctx;
    // The seed always sends the pin: it must never spend a geocoding quota.
    const add = new AddAddress({ addresses: c.addresses, geocoder: null, storeCoverage: null, unitOfWork: c.unitOfWork, clock: c.clock, ids: ctx.ids, addressSettings: { maxPerCustomer: c.config.ADDRESS_MAX_PER_CUSTOMER } });
    let total = 0;
    for (const customer of ctx.customers) {
      const count = 1 + Math.floor(ctx.rand() * Math.min(3, c.config.ADDRESS_MAX_PER_CUSTOMER));
      const book = Array.from({ length: count }, (_, k) => {
        const hood = pick(ctx.rand, NEIGHBOURHOODS);
        const label = ADDRESS_LABELS[k % ADDRESS_LABELS.length]!;
        const note = ctx.rand() < 0.5 ? both(pick(ctx.rand, NOTES)) : null;
        return { label: both(label), line: streetLine(ctx.rand, hood), building: String(1 + Math.floor(ctx.rand() * 40)), floor: String(Math.floor(ctx.rand() * 9)), notes: note, point: near(ctx.rand, hood, 800) };
      });
      const has = (await c.addresses.listLive(customer.id, { page: 1, limit: 1 })).pagination.total > 0;
      if (!has) for (const input of book) await add.execute(principalOf(customer), input);
      total += has ? 0 : book.length;
      ctx.progress.tick();
    }
    return `${total} new addresses`;
  },
};

/** The steps, in order. Add zones here. */
export const CITY_STEPS: CitySeedStep[] = [storeOwners, stores, storeVerification, storeZones, customers, addresses, ...CATALOG_STEPS];

/** Seeds the demo city on a built container; returns one summary line per step. */
export async function seedCity(c: Cradle, opts: CityOptions, progress: Progress = noProgress, steps: CitySeedStep[] = CITY_STEPS): Promise<{ lines: string[]; context: CityContext }> {
  const verifier = (await c.accounts.findByPhone(seedPhone('admin', 0))) ??
    (await c.createAdmin.execute({ phone: seedPhone('admin', 0), email: 'seed-verifier@daraa.test', name: 'Seed verifier', password: SEED_PASSWORD, adminRole: 'verifier' }));
  const ctx: CityContext = {
    c, opts, rand: Math.random, ids: c.ids, progress: { tick: () => undefined },
    passwordHash: await c.passwords.hash(SEED_PASSWORD), verifierId: verifier.id, owners: [], stores: [], customers: [], leafIds: new Map(), products: [],
  };
  const lines: string[] = [];
  for (const step of steps) {
    const r = rng((opts.seed ^ hash(step.name)) >>> 0);
    ctx.rand = r;
    ctx.ids = seededIds(rng((opts.seed ^ hash(`${step.name}:ids`)) >>> 0));
    const bar = progress(step.name, step.total(ctx));
    ctx.progress = bar;
    const t0 = Date.now();
    const summary = await step.run(ctx);
    bar.done();
    lines.push(`${step.name}: ${summary} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return { lines, context: ctx };
}
