import { z } from 'zod';
import { AppError, type ErrorDetail } from '../shared/errors.js';

/**
 * Marketplace settings: the tunables the commerce contexts read (currency, VAT,
 * delivery-fee bands, order defaults, commission, dispatch weights, cash limits).
 * Each key has one zod schema, a default that applies until an admin changes it,
 * and a `public` flag for the keys a client may read without signing in.
 * Money is integer minor units; rates are basis points (1 bp = 0.01 %).
 */
export interface SettingDefinition<S extends z.ZodType = z.ZodType> {
  schema: S;
  default: z.output<S>;
  /** Served by the public `GET /api/v1/settings`. */
  public: boolean;
  description: string;
}

const define = <S extends z.ZodType>(def: SettingDefinition<S>): SettingDefinition<S> => def;

const minor = z.number().int('must be an integer number of minor units').min(0, 'must not be negative').max(1_000_000_000_000, 'is absurdly large');
const bps = z.number().int('must be whole basis points').min(0, 'must not be negative').max(10_000, 'must be at most 10000 (100 %)');

/** One distance band: orders delivered at most `upToMeters` from the store pay `feeMinor`. */
const feeBand = z.strictObject({
  upToMeters: z.number().int('must be whole metres').positive('must be positive').max(200_000, 'must be at most 200000'),
  feeMinor: minor,
});

/** Bands sorted by distance, strictly increasing, so a distance falls in exactly one band (the first that holds it). */
const feeBands = z
  .array(feeBand)
  .min(1, 'needs at least one band')
  .max(20, 'at most 20 bands')
  .superRefine((bands, ctx) => {
    for (let i = 1; i < bands.length; i++) {
      if (bands[i]!.upToMeters <= bands[i - 1]!.upToMeters) {
        ctx.addIssue({ code: 'custom', path: [i, 'upToMeters'], message: `must be greater than the previous band's ${bands[i - 1]!.upToMeters}` });
      }
    }
  });

const commissionScope = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('marketplace') }),
  z.strictObject({ type: z.literal('category'), id: z.string().min(1).max(128) }),
  z.strictObject({ type: z.literal('store'), id: z.string().min(1).max(128) }),
]);
/** Percentage (bps of the line) or a fixed amount per order line; the most specific scope wins (store, then category, then marketplace). */
const commissionRule = z.discriminatedUnion('kind', [
  z.strictObject({ scope: commissionScope, kind: z.literal('percentage'), rateBps: bps }),
  z.strictObject({ scope: commissionScope, kind: z.literal('fixed'), amountMinor: minor }),
]);
const scopeKey = (s: z.output<typeof commissionScope>) => (s.type === 'marketplace' ? 'marketplace' : `${s.type}:${s.id}`);
const commissionRules = z
  .array(commissionRule)
  .min(1)
  .max(500)
  .superRefine((rules, ctx) => {
    const seen = new Map<string, number>();
    rules.forEach((r, i) => {
      const k = scopeKey(r.scope);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i, 'scope'], message: `duplicates the scope of rule ${seen.get(k)}` });
      else seen.set(k, i);
    });
    if (!seen.has('marketplace')) ctx.addIssue({ code: 'custom', path: [], message: 'needs one rule with scope {"type":"marketplace"} (the fallback)' });
  });

const weight = z.number().min(0, 'must not be negative').max(1, 'must be at most 1');
/**
 * How dispatch ranks candidate couriers (domain/dispatch/scoring.ts); the weights are shares of one
 * score, so they add up to 1. `waitAtStore` came later: a value stored without it reads it as 0.
 */
const dispatchWeights = z
  .strictObject({ eta: weight, waitAtStore: weight.default(0), idle: weight, acceptanceRate: weight })
  .refine((w) => Math.abs(w.eta + w.waitAtStore + w.idle + w.acceptanceRate - 1) < 1e-6, { message: 'the weights must add up to 1', path: [] });
const seconds = (max: number) => z.number().int('must be whole seconds').min(1, 'must be at least 1').max(max, `must be at most ${max}`);
/** The seconds at which each time feature of the score counts as one full unit (see candidateCost). */
const dispatchScoreScales = z.strictObject({ etaS: seconds(7_200), waitAtStoreS: seconds(7_200), idleS: seconds(86_400) });
const metres = z.number().int('must be whole metres').min(100, 'must be at least 100').max(100_000, 'must be at most 100000');
/** One offer per round; the radius grows by `widenFactor` every `widenEveryRounds` rounds, up to `maxRadiusM`. */
const dispatchRounds = z
  .strictObject({
    radiusM: metres,
    maxRadiusM: metres,
    widenEveryRounds: z.number().int().min(1).max(100),
    widenFactor: z.number().min(1, 'must be at least 1').max(10, 'must be at most 10'),
    alertAfterRounds: z.number().int().min(1).max(1_000),
    candidateLimit: z.number().int().min(1).max(500),
  })
  .refine((r) => r.maxRadiusM >= r.radiusM, { message: 'maxRadiusM must be at least radiusM', path: ['maxRadiusM'] });

const whole = (lo: number, hi: number, unit: string) => z.number().int(`must be whole ${unit}`).min(lo, `must be at least ${lo}`).max(hi, `must be at most ${hi}`);
/** Batch rounds and stacking; maxStackedOrders stops at 4 because a stack's route is searched exhaustively. */
const dispatchBatch = z.strictObject({
  intervalSeconds: whole(1, 60, 'seconds'),
  busyOpenDeliveries: whole(1, 10_000, 'deliveries'),
  candidatesPerDelivery: whole(1, 50, 'couriers'),
  maxStackedOrders: whole(1, 4, 'orders'),
  sameStoreMeters: whole(0, 1_000, 'metres'),
  onTheWaySeconds: whole(0, 1_800, 'seconds'),
  stopSeconds: whole(0, 900, 'seconds'),
});

export const SETTINGS = {
  currency: define({
    schema: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like SYP'),
    default: 'SYP',
    public: true,
    description: 'The marketplace currency (ISO 4217); every price and fee is in its minor units.',
  }),
  'vat.rateBps': define({
    schema: bps,
    default: 0,
    public: true,
    description: 'VAT rate in basis points (1000 = 10 %), applied to order totals.',
  }),
  'delivery.feeBands': define({
    schema: feeBands,
    default: [
      { upToMeters: 2_000, feeMinor: 50_000 },
      { upToMeters: 5_000, feeMinor: 100_000 },
      { upToMeters: 10_000, feeMinor: 150_000 },
    ],
    public: true,
    description: 'Delivery fee by distance from the store: the first band whose upToMeters holds the distance; beyond the last band there is no delivery.',
  }),
  'order.minimumDefaultMinor': define({
    schema: minor,
    default: 0,
    public: true,
    description: 'Minimum order subtotal (minor units) for a store that sets none of its own.',
  }),
  'store.prepDefaultMinutes': define({
    schema: z.number().int('must be whole minutes').min(1, 'must be at least 1').max(240, 'must be at most 240'),
    default: 15,
    public: false,
    description: 'Minutes a store takes to have an order ready, for a store that sets none of its own: the first leg of its ETA.',
  }),
  'order.autoRejectMinutes': define({
    schema: z.number().int('must be whole minutes').min(1, 'must be at least 1').max(240, 'must be at most 240'),
    default: 10,
    public: false,
    description: 'Minutes a store has to accept a new order before it is rejected for them.',
  }),
  'finance.commissionRules': define({
    schema: commissionRules,
    default: [{ scope: { type: 'marketplace' }, kind: 'percentage', rateBps: 1_000 }],
    public: false,
    description: 'Retired: migration 0211 imported these rules once as commission rules (/api/v1/admin/commission-rules, docs/finance.md); commissions no longer read this setting.',
  }),
  'dispatch.weights': define({
    schema: dispatchWeights,
    default: { eta: 0.6, waitAtStore: 0.15, idle: 0.15, acceptanceRate: 0.1 },
    public: false,
    description: 'Shares of the dispatch score: courier ETA to the store, time they would wait there for the food, time idle, and past acceptance rate (they add up to 1).',
  }),
  'dispatch.scoreScales': define({
    schema: dispatchScoreScales,
    default: { etaS: 1_200, waitAtStoreS: 900, idleS: 1_800 },
    public: false,
    description: 'Seconds that count as one unit of each time feature of the dispatch score (ETA, wait at the store, idle time, which stops counting past its scale).',
  }),
  'dispatch.offerTimeoutSeconds': define({
    schema: z.number().int('must be whole seconds').min(5, 'must be at least 5').max(600, 'must be at most 600'),
    default: 30,
    public: false,
    description: 'Seconds a courier has to accept an offer before it expires and the next candidate gets it.',
  }),
  'dispatch.rounds': define({
    schema: dispatchRounds,
    default: { radiusM: 3_000, maxRadiusM: 12_000, widenEveryRounds: 3, widenFactor: 2, alertAfterRounds: 8, candidateLimit: 50 },
    public: false,
    description: 'Dispatch search: one offer per round, the first radius, how it widens every N rounds, after how many rounds ops are alerted, and how many nearest couriers are considered.',
  }),
  'dispatch.openBeforeReadyMinutes': define({
    schema: z.number().int('must be whole minutes').min(0, 'must not be negative').max(240, 'must be at most 240'),
    default: 10,
    public: false,
    description: 'Dispatch starts offering a confirmed order this many minutes before its expected ready time.',
  }),
  'dispatch.storeOwnersAssign': define({
    schema: z.boolean(),
    default: true,
    public: false,
    description: 'Whether store owners may still assign couriers to their own deliveries by hand.',
  }),
  'dispatch.promiseMinutes': define({
    schema: z.number().int('must be whole minutes').min(5, 'must be at least 5').max(480, 'must be at most 480'),
    default: 45,
    public: false,
    description: 'Minutes from the moment dispatch opens a delivery (or its order is expected ready, if later) by which it is promised delivered: the on-time figure, and what stacking must keep.',
  }),
  'dispatch.batch': define({
    schema: dispatchBatch,
    default: { intervalSeconds: 5, busyOpenDeliveries: 5, candidatesPerDelivery: 20, maxStackedOrders: 2, sameStoreMeters: 50, onTheWaySeconds: 180, stopSeconds: 60 },
    public: false,
    description: 'Batch matching in busy regions: the round interval, how many open deliveries make a region busy, candidates kept per delivery, and stacking (K orders per courier, same store within sameStoreMeters or a pickup on the way within onTheWaySeconds of detour, seconds per stop).',
  }),
  'finance.cashLimitMinor': define({
    schema: minor,
    default: 5_000_000,
    public: false,
    description: 'Cash on delivery a courier may hold (minor units) before they must hand it over to receive more cash orders.',
  }),
  'finance.courierCashLimits': define({
    schema: z.record(z.string().min(1).max(128), minor).refine((r) => Object.keys(r).length <= 1_000, { message: 'at most 1000 couriers' }),
    default: {},
    public: false,
    description: "Per-courier cash limits (courier id → minor units) that replace finance.cashLimitMinor for those couriers.",
  }),
  'finance.payoutMinimumMinor': define({
    schema: minor,
    default: 100_000,
    public: false,
    description: 'The smallest payout a store or courier may request (minor units).',
  }),
  'finance.payoutBatchEveryMinutes': define({
    schema: z.number().int('must be whole minutes').min(1, 'must be at least 1').max(10_080, 'must be at most 10080 (a week)'),
    default: 60,
    public: false,
    description: 'How often the payout job pays approved payouts (and polls in-transit ones) through the payout provider; a change applies after the next batch.',
  }),
  'finance.payoutMaxAttempts': define({
    schema: z.number().int('must be a whole number').min(1, 'must be at least 1').max(50, 'must be at most 50'),
    default: 6,
    public: false,
    description: 'Provider calls a payout gets (retried with a growing backoff, 1 minute doubling up to an hour) before it is marked failed and admins are alerted.',
  }),
  'finance.deliveryFeeCutBps': define({
    schema: bps,
    default: 2_000,
    public: false,
    description: "The platform's share of each delivery fee in basis points (2000 = 20 %); the courier earns the rest.",
  }),
  'finance.walletHoldSeconds': define({
    schema: z.number().int('must be whole seconds').min(3_600, 'must be at least 3600 (an hour)').max(2_592_000, 'must be at most 2592000 (30 days)'),
    default: 172_800,
    public: false,
    description: 'How long money a wallet checkout reserves stays reserved when its order never ends (the pending transfer\'s timeout); past it the reservation expires and the customer may spend it again.',
  }),
  'finance.walletTopUpMinMinor': define({
    schema: minor,
    default: 10_000,
    public: true,
    description: 'The smallest wallet top-up by card (minor units).',
  }),
  'finance.walletTopUpMaxMinor': define({
    schema: minor,
    default: 5_000_000,
    public: true,
    description: 'The largest single wallet top-up by card (minor units).',
  }),
  'finance.walletMaxBalanceMinor': define({
    schema: minor,
    default: 10_000_000,
    public: true,
    description: 'The most a wallet may hold after a top-up (minor units): a top-up that would take it past this is refused.',
  }),
  'cart.idleExpiryMinutes': define({
    schema: z.number().int('must be whole minutes').min(5, 'must be at least 5').max(43_200, 'must be at most 43200 (30 days)'),
    default: 4_320,
    public: true,
    description: 'Minutes a cart may stay untouched before the expiry job closes it (guest and customer carts alike).',
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = z.output<(typeof SETTINGS)[K]['schema']>;
export type SettingValues = { [K in SettingKey]: SettingValue<K> };
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
export const PUBLIC_SETTING_KEYS = SETTING_KEYS.filter((k) => SETTINGS[k].public);

export const isSettingKey = (key: string): key is SettingKey => Object.hasOwn(SETTINGS, key);

export function settingDefinition(key: string): SettingDefinition & { key: SettingKey } {
  if (!isSettingKey(key)) throw new AppError('NOT_FOUND', `Setting ${key} not found`, { details: [{ field: 'key', reason: 'unknown_setting', message: `known keys: ${SETTING_KEYS.join(', ')}` }] });
  return { ...(SETTINGS[key] as SettingDefinition), key };
}

/**
 * The value for `key` as its schema reads it, or VALIDATION_ERROR with one
 * detail per problem, each naming the field under `field` (e.g. `body.value.1.upToMeters`).
 */
export function parseSettingValue<K extends SettingKey>(key: K, value: unknown, field = 'value'): SettingValue<K> {
  const r = (SETTINGS[key].schema as z.ZodType).safeParse(value);
  if (r.success) return r.data as SettingValue<K>;
  const details: ErrorDetail[] = r.error.issues.map((i) => ({ field: [field, ...i.path.map(String)].join('.'), message: i.message, code: i.code }));
  throw new AppError('VALIDATION_ERROR', `Invalid value for setting ${key}`, { details });
}

/** A copy of every default: the registry itself is never handed out to be mutated. */
export const defaultSettings = (): SettingValues =>
  Object.fromEntries(SETTING_KEYS.map((k) => [k, structuredClone(SETTINGS[k].default)])) as SettingValues;

/** JSON with object keys sorted: PostgreSQL's jsonb and BSON do not keep the order a value was written in. */
const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : v !== null && typeof v === 'object'
      ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`
      : JSON.stringify(v);

/** Same value whatever the key order, so a retried change is recognised as the same. */
export const sameSettingValue = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** The fee for a delivery `distanceM` from the store, or null beyond the last band (out of range). */
export function deliveryFeeFor(bands: SettingValue<'delivery.feeBands'>, distanceM: number): number | null {
  const band = bands.find((b) => distanceM <= b.upToMeters);
  return band ? band.feeMinor : null;
}
