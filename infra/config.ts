import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';

/**
 * One typed configuration, validated at start. A missing or invalid setting
 * stops the process with a message that names the variable. Every setting is
 * documented in .env.example.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    ROLE: z.enum(['all', 'api', 'hub', 'worker']).default('all'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: int(0, 65535).default(3000),
    PUBLIC_URL: z.url().optional(),
    /** MapLibre style URL of the web pages' maps (its origin is allowed by their CSP); unset: an offline style. */
    MAP_STYLE_URL: z.url().optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
    /**
     * Seed nodes of a Redis Cluster (host:port, comma-separated). Set instead of REDIS_URL: every role then
     * talks to the cluster (rate limits, revocations, geo index, Socket.IO adapter, position channel, queues, outbox relay).
     */
    REDIS_CLUSTER_NODES: csv.pipe(z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'must be host:port, comma-separated')).min(1)).optional(),
    /** Starts every Redis key and channel of this deployment (geo index, presence, rate limits, queues, events), so deployments can share a Redis. */
    REDIS_KEY_PREFIX: z.string().regex(/^[a-z0-9_-]{1,32}:$/i, 'letters, digits, _ or -, ending in a colon').default('daraa:'),
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL').optional(),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    /** PostgreSQL schema for this deployment's tables (created if missing); default: the server's search_path (public). */
    DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier').optional(),
    DB_POOL_MAX: int(1, 200).default(10),
    CORS_ORIGINS: csv.default(['http://localhost:3000', 'http://127.0.0.1:3000']),
    TRUST_PROXY: bool.default(false),
    BODY_LIMIT_KB: int(1, 10_240).default(100),
    RATE_LIMIT_ANON_PER_MIN: int(1, 1_000_000).default(120),
    RATE_LIMIT_AUTH_PER_MIN: int(1, 1_000_000).default(600),
    RATE_LIMIT_STRICT_PER_15MIN: int(1, 1_000_000).default(20),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_ISSUER: z.string().min(1).default('daraa'),
    JWT_AUDIENCE: z.string().min(1).default('daraa-api'),
    ACCESS_TOKEN_TTL_S: int(60, 86_400).default(900),
    REFRESH_TOKEN_TTL_S: int(3_600, 90 * 86_400).default(30 * 86_400),
    SHUTDOWN_TIMEOUT_MS: int(100, 120_000).default(10_000),
    /** The embedded redis-server (no REDIS_URL) is restarted when it dies; after this many failed attempts the process exits 1. */
    EMBEDDED_REDIS_RESTART_ATTEMPTS: int(1, 100).default(5),
    /** A pause before restarting the embedded redis-server after a death (systemd's RestartSec); 0 restarts at once, since its clients fail meanwhile. */
    EMBEDDED_REDIS_RESTART_DELAY_MS: int(0, 60_000).default(0),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_SERVICE_NAME: z.string().default('daraa'),
    GOOGLE_MAPS_API_KEY: z.string().min(1).optional(),
    SMS_PROVIDER_URL: z.url().optional(),
    SMS_PROVIDER_TOKEN: z.string().optional(),
    SMS_FROM: z.string().optional(),
    /** `dev` logs codes and keeps them in a test-visible outbox; `http` posts to SMS_PROVIDER_URL. Default: http when SMS_PROVIDER_URL is set. */
    SMS_PROVIDER: z.enum(['dev', 'http']).optional(),
    /** Verification documents (local-disk storage); default DATA_DIR/documents. */
    DOCUMENTS_DIR: z.string().min(1).optional(),
    DOCUMENT_MAX_BYTES: int(1_024, 50 * 1_048_576).default(5 * 1_048_576),
    METRICS_TOKEN: z.string().min(16).optional(),
    /** Per courier socket: sustained fixes per second, and burst (token bucket; the excess is dropped and reported in the ack). */
    COURIER_FIX_RATE_PER_S: z.coerce.number().positive().max(10_000).default(5),
    COURIER_FIX_BURST: int(1, 100_000).default(20),
    HUB_MAX_PENDING_FIXES: int(1, 1_000_000).default(2_000),
    /** How long a fix waits for others to share one Redis call (0: the same event-loop turn only). */
    HUB_FIX_LINGER_MS: int(0, 100).default(5),
    /** Fixes per index call at most (server/fix-batcher.ts); a batch this full leaves before its linger ends. */
    HUB_FIX_MAX_BATCH: int(1, 10_000).default(1_000),
    /** A diagnostic for benchmarks: where fixes spend their time, one JSON line per 5 s to this file (server/fix-probe.ts). */
    HUB_FIX_PROBE_FILE: z.string().min(1).optional(),
    /** Largest socket frame accepted; a larger one disconnects that socket only. */
    SOCKET_MAX_FRAME_KB: int(1, 10_240).default(64),
    /** A courier whose last fix is older than this is stale (never offered as available). */
    GEO_MAX_AGE_S: int(5, 3_600).default(30),
    /** Geocoding endpoint (a proxy, or a local stub in tests); the key is GOOGLE_MAPS_API_KEY. */
    GOOGLE_GEOCODING_URL: z.url().optional(),
    /** Region bias for geocoding (ccTLD, e.g. sy) and the language of its answers (e.g. ar). */
    GEOCODING_REGION: z.string().regex(/^[a-z]{2}$/, 'a two-letter ccTLD like sy').optional(),
    GEOCODING_LANGUAGE: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'a language code like ar or en-GB').optional(),
    /** Live addresses a customer may keep. */
    ADDRESS_MAX_PER_CUSTOMER: int(1, 200).default(20),
    /** Every process reloads the marketplace settings at least this often (a change notice on Redis usually arrives first). */
    SETTINGS_REFRESH_MS: int(200, 600_000).default(5_000),
    /** Every API process compares its zone index with the stored zone revisions at least this often (a change notice on Redis usually arrives first). */
    ZONE_REFRESH_MS: int(200, 600_000).default(5_000),
    /** Card payments (Stripe). Without a secret key card answers PAYMENT_METHOD_UNAVAILABLE; cash works either way. */
    STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'a Stripe secret key, sk_test_… or sk_live_…').optional(),
    /** Signs the webhooks Stripe sends to POST /api/v1/payments/webhooks/stripe (whsec_…). */
    STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'a Stripe webhook signing secret, whsec_…').optional(),
    /** Where the SDK sends its calls (default api.stripe.com:443 https); tests and local runs point these at a local stub. */
    STRIPE_API_HOST: z.string().min(1).optional(),
    STRIPE_API_PORT: int(1, 65535).optional(),
    STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
    /** Per Stripe call; a timeout is retried by the caller with the same idempotency key. */
    STRIPE_TIMEOUT_MS: int(100, 120_000).default(10_000),
    /**
     * Signs the Stripe Connect transfer webhooks sent to POST /api/v1/payouts/webhooks/stripe-connect (whsec_…): that
     * endpoint's own secret, never the payments one. Unset: those webhooks are refused and polling alone settles payouts.
     */
    STRIPE_CONNECT_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'a Stripe webhook signing secret, whsec_…').optional(),
    /** How the payout job pays: bank-transfer CSV files under DATA_DIR/payouts, or Stripe Connect transfers (needs STRIPE_SECRET_KEY; STRIPE_API_* apply). */
    PAYOUT_PROVIDER: z.enum(['bank_csv', 'stripe_connect']).default('bank_csv'),
    /** Multiplies every delay of the webhook retry schedule (1: Svix's 5 s … 10 h); tests and the benchmark shrink it. */
    WEBHOOK_SCHEDULE_SCALE: z.coerce.number().positive().max(1).default(1),
    /** A webhook attempt succeeds with a 2xx within this; otherwise it is logged as a timeout and retried. */
    WEBHOOK_TIMEOUT_MS: int(50, 60_000).default(15_000),
    /** An endpoint failing continuously this long is disabled and its owner told (default 5 days). */
    WEBHOOK_DISABLE_AFTER_MS: int(1_000, 90 * 86_400_000).default(5 * 86_400_000),
    /** Webhook attempts in flight per worker process (a hanging receiver holds one for up to WEBHOOK_TIMEOUT_MS). */
    WEBHOOK_CONCURRENCY: int(1, 1_000).default(32),
    /** Lets webhook endpoints use http:// and loopback or private addresses: local receivers in tests and development, never production. */
    WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: bool.default(false),
    /** Notification email over SMTP (smtp://user:pass@host:port or smtps://…); without it email is logged by the dev sender. */
    SMTP_URL: z.url().optional(),
    EMAIL_FROM: z.string().min(3).default('Daraa <no-reply@daraa.local>'),
    /** Push through FCM: the project and a service account (its JSON); without them push is logged by the dev sender. */
    FCM_PROJECT_ID: z.string().min(1).optional(),
    FCM_SERVICE_ACCOUNT_JSON: z.string().min(2).optional(),
    /** Sends FCM's (and its token exchange's) HTTPS calls to this http:// address instead: tests' stub, an emulator. */
    FCM_ENDPOINT: z.url().optional(),
    /** Per-channel send limits of the notification workers (messages per second, across workers). */
    NOTIFY_EMAIL_PER_S: int(1, 10_000).default(20),
    NOTIFY_SMS_PER_S: int(1, 10_000).default(10),
    NOTIFY_PUSH_PER_S: int(1, 10_000).default(200),
    /** First retry delay of a channel job whose provider failed; doubles on each of its 8 attempts (about 4 minutes in all at 1 s). */
    NOTIFY_RETRY_BASE_MS: int(10, 600_000).default(1_000),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production') {
      if (!c.JWT_SECRET) ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required when NODE_ENV=production' });
      if (!c.REDIS_URL && !c.REDIS_CLUSTER_NODES) ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'REDIS_URL or REDIS_CLUSTER_NODES is required when NODE_ENV=production' });
      if (!c.MONGODB_URI && !c.DATABASE_URL) {
        ctx.addIssue({ code: 'custom', path: ['MONGODB_URI'], message: 'MONGODB_URI or DATABASE_URL is required when NODE_ENV=production' });
      }
    }
    const sms = c.SMS_PROVIDER ?? (c.SMS_PROVIDER_URL ? 'http' : 'dev');
    if (sms === 'http') {
      for (const key of ['SMS_PROVIDER_URL', 'SMS_PROVIDER_TOKEN', 'SMS_FROM'] as const) {
        if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when SMS_PROVIDER=http' });
      }
    } else if (c.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['SMS_PROVIDER'], message: 'the dev SMS adapter writes codes to the log: set SMS_PROVIDER_URL, SMS_PROVIDER_TOKEN and SMS_FROM in production' });
    }
    if (c.PAYOUT_PROVIDER === 'stripe_connect' && !c.STRIPE_SECRET_KEY) {
      ctx.addIssue({ code: 'custom', path: ['PAYOUT_PROVIDER'], message: 'stripe_connect needs STRIPE_SECRET_KEY' });
    }
    if (c.STRIPE_SECRET_KEY && !c.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['STRIPE_WEBHOOK_SECRET'], message: 'is required with STRIPE_SECRET_KEY (webhooks are verified)' });
    }
    if (c.STRIPE_CONNECT_WEBHOOK_SECRET && c.STRIPE_CONNECT_WEBHOOK_SECRET === c.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['STRIPE_CONNECT_WEBHOOK_SECRET'], message: 'must differ from STRIPE_WEBHOOK_SECRET (each webhook endpoint has its own signing secret)' });
    }
    if (c.NODE_ENV === 'production' && c.STRIPE_API_PROTOCOL === 'http') {
      ctx.addIssue({ code: 'custom', path: ['STRIPE_API_PROTOCOL'], message: 'http sends the secret key in the clear: only outside production' });
    }
    if (c.NODE_ENV === 'production' && c.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_ALLOW_PRIVATE_DESTINATIONS'], message: 'webhooks may not reach private addresses in production' });
    }
    if (c.REDIS_URL && c.REDIS_CLUSTER_NODES) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NODES'], message: 'set only one of REDIS_URL and REDIS_CLUSTER_NODES' });
    }
    if (c.MONGODB_URI && c.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'set only one of MONGODB_URI and DATABASE_URL' });
    }
  });

export type RawConfig = z.infer<typeof schema>;
export type Config = RawConfig & { JWT_SECRET: string; dataDir: string; SMS_PROVIDER: 'dev' | 'http'; documentsDir: string };

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Development secrets are generated once and kept under DATA_DIR so tokens
 * survive a restart; production must supply them (validated above).
 */
function devSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, 'dev-secrets.json');
  let secrets: Record<string, string> = {};
  if (existsSync(file)) secrets = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  if (!secrets[name]) {
    secrets[name] = randomBytes(48).toString('base64url');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets[name] as string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const c = parsed.data;
  const dataDir = path.resolve(c.DATA_DIR);
  return {
    ...c,
    dataDir,
    JWT_SECRET: c.JWT_SECRET ?? devSecret(dataDir, 'JWT_SECRET'),
    SMS_PROVIDER: c.SMS_PROVIDER ?? (c.SMS_PROVIDER_URL ? 'http' : 'dev'),
    documentsDir: path.resolve(c.DOCUMENTS_DIR ?? path.join(dataDir, 'documents')),
  };
}
