import type { Page, PageRequest } from '../shared/pagination.js';
import type { Principal, Role } from '../shared/principal.js';
import type { Account, AccountFilter, IdentityEvent, OtpChallenge, OtpPurpose, RefreshTokenRecord, Session, VerificationDocument } from './model.js';

/**
 * Accounts. Implementations: MongoAccountRepository, SqlAccountRepository
 * (test/contract/identity-repositories.test.ts).
 */
export interface AccountRepository {
  /** Throws CONFLICT when the phone or email is taken. */
  create(account: Account): Promise<void>;
  /** Saves against the version read; throws CONFLICT when someone saved in between or the email is taken. */
  save(account: Account): Promise<void>;
  findById(id: string): Promise<Account | null>;
  findByPhone(phone: string): Promise<Account | null>;
  findByEmail(email: string): Promise<Account | null>;
  /** Newest first. */
  search(filter: AccountFilter, page: PageRequest): Promise<Page<Account>>;
}

/** Sessions and their refresh-token families. */
export interface SessionRepository {
  createSession(session: Session): Promise<void>;
  findSession(id: string): Promise<Session | null>;
  /** Marks one session revoked (first reason wins); returns whether it was active. */
  revokeSession(id: string, at: Date, reason: string): Promise<boolean>;
  /** Revokes every active session of the account; returns the ids it revoked. */
  revokeAllForAccount(accountId: string, at: Date, reason: string): Promise<string[]>;
  addRefreshToken(token: RefreshTokenRecord): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /** Atomically marks a token used; false when it was already used (a replay or a race). */
  markRefreshTokenUsed(tokenHash: string, at: Date): Promise<boolean>;
  /** Housekeeping: deletes sessions that expired before `before`; answers how many. */
  purgeExpiredSessions(before: Date): Promise<number>;
  /** Housekeeping: deletes refresh tokens that expired before `before`; answers how many. */
  purgeExpiredRefreshTokens(before: Date): Promise<number>;
}

/** One-time codes. */
export interface OtpRepository {
  /** Stores a challenge; earlier open challenges of the same account and purpose die. */
  create(challenge: OtpChallenge): Promise<void>;
  /** The newest open (unconsumed, unexpired, not superseded) challenge. */
  findOpen(accountId: string, purpose: OtpPurpose, now: Date): Promise<OtpChallenge | null>;
  /** Counts one attempt atomically; returns the new count, or null when no attempt is left or the challenge is closed. */
  recordAttempt(id: string): Promise<number | null>;
  /** Consumes once; false when already consumed (a replay). */
  consume(id: string, at: Date): Promise<boolean>;
  /** Housekeeping: deletes challenges that expired before `before`; answers how many. */
  purgeExpired(before: Date): Promise<number>;
}

export interface DocumentRepository {
  add(doc: VerificationDocument): Promise<void>;
  findById(id: string): Promise<VerificationDocument | null>;
  /** Oldest first. */
  listByAccount(accountId: string): Promise<VerificationDocument[]>;
}

/** Sends a text message. Adapters: DevSmsSender (log + outbox), HttpSmsSender (Twilio-style REST). */
export interface SmsSender {
  send(to: string, body: string): Promise<void>;
}

/** Password hashing (argon2id in infra/passwords.ts). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

/**
 * Turns a bearer token into a principal, for the API and the hub alike
 * (infra/jwt.ts AccessTokens, wrapped by `withRevocationCheck`).
 */
export interface AccessTokenVerifier {
  verify(token: string): Principal | Promise<Principal>;
}

/** Signs access JWTs (infra/jwt.ts AccessTokens). */
export interface AccessTokenSigner {
  sign(claims: { sub: string; role: Role; perms: string[]; sid: string }): { token: string; expiresAt: number; jti: string };
}

/**
 * The fast revocation store the authenticate middleware consults on every
 * request (Redis). Revoked sessions are remembered for the access-token
 * lifetime; a suspended account stays blocked until unsuspended.
 */
export interface AccessRevocations {
  revokeSessions(sessionIds: string[]): Promise<void>;
  blockAccount(accountId: string): Promise<void>;
  unblockAccount(accountId: string): Promise<void>;
  isRevoked(accountId: string, sessionId: string): Promise<boolean>;
}

/**
 * Failure counting and cooldowns with times from the injected clock, so tests
 * control them. Redis adapter: infra/redis-identity.ts.
 */
export interface Throttle {
  /** Records a failure at `now`; when `max` failures fall within `windowMs`, locks the key for `lockMs`. */
  recordFailure(key: string, now: Date, opts: { windowMs: number; max: number; lockMs: number }): Promise<{ failures: number; lockedUntil: Date | null }>;
  /** When the lock of `key` lifts, if `max` failures locked it and it still holds at `now`. */
  lockedUntil(key: string, now: Date, opts: { max: number }): Promise<Date | null>;
  clear(key: string): Promise<void>;
  /** Takes a cooldown slot; returns when the next one opens if it is taken. */
  takeCooldown(key: string, now: Date, ms: number): Promise<{ ok: true } | { ok: false; retryAt: Date }>;
}

/** Stored files of verification documents. Adapter: LocalDiskDocumentStorage. */
export interface DocumentStorage {
  /** Stores bytes under a key the storage makes itself; the client never names files. */
  put(accountId: string, bytes: Buffer, contentType: string): Promise<{ key: string; sizeBytes: number; sha256: string }>;
  get(key: string): Promise<Buffer>;
}

/** Publishes identity events (in-process bus + Redis channel). */
export interface IdentityEventPublisher {
  publish(event: IdentityEvent): Promise<void>;
}
