import { AppError } from '../../shared/errors.js';
import type { Outbox } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { normalizeEmail, normalizePhone, type Account } from '../model.js';
import type { AccountRepository, PasswordHasher, Throttle } from '../ports.js';
import { fingerprint } from '../secrets.js';
import { securityEvent, type AuditWriter, type Origin } from '../security-log.js';
import { securityAlertEvent } from '../events.js';
import type { SessionTokens, TokenPair } from '../session-tokens.js';

export interface LogInDeps {
  accounts: AccountRepository;
  passwords: PasswordHasher;
  throttle: Throttle;
  sessionTokens: SessionTokens;
  recordAuditEntry: AuditWriter;
  outbox: Outbox;
  clock: Clock;
}

/** Brute-force rule: 5 failures within 15 minutes lock the account's login for 15 minutes, from any IP. */
export const LOGIN_LOCK = { max: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 } as const;

const invalidCredentials = () => new AppError('UNAUTHORIZED', 'Invalid credentials');

/**
 * Logs in by phone or email. An unknown identifier costs the same argon2
 * verification and gets the same answer as a wrong password, and it is
 * throttled the same way, so neither status, message nor lockout reveal
 * whether an account exists.
 */
export class LogIn {
  private dummyHash: Promise<string> | undefined;
  constructor(private readonly deps: LogInDeps) {}

  async execute(input: { identifier: string; password: string }, origin: Origin = {}): Promise<TokenPair> {
    const account = await this.findAccount(input.identifier);
    const key = account ? `login:acct:${account.id}` : `login:id:${fingerprint(input.identifier.trim().toLowerCase())}`;
    await this.assertNotLocked(key, input.password);
    const ok = await this.deps.passwords.verify(account?.passwordHash ?? (await this.dummy()), input.password);
    if (!account || !ok) return this.failed(key, account, input.identifier, origin);
    await this.deps.throttle.clear(key);
    assertMayLogIn(account);
    await securityEvent(this.deps.recordAuditEntry, 'auth.login_succeeded', { id: account.id, role: account.role }, origin, {}, 'success');
    return this.deps.sessionTokens.open(account, origin);
  }

  private async findAccount(identifier: string): Promise<Account | null> {
    if (identifier.includes('@')) return this.deps.accounts.findByEmail(normalizeEmail(identifier));
    const phone = normalizePhone(identifier);
    return phone ? this.deps.accounts.findByPhone(phone) : null;
  }

  private async assertNotLocked(key: string, password: string): Promise<void> {
    const until = await this.deps.throttle.lockedUntil(key, this.deps.clock.now(), LOGIN_LOCK);
    if (!until) return;
    await this.deps.passwords.verify(await this.dummy(), password); // a lock costs what a check costs
    throw lockedError(until, this.deps.clock.now());
  }

  private async failed(key: string, account: Account | null, identifier: string, origin: Origin): Promise<never> {
    const r = await this.deps.throttle.recordFailure(key, this.deps.clock.now(), LOGIN_LOCK);
    const subject = account ? { id: account.id, role: account.role } : { id: null, role: 'anonymous' };
    const meta = { identifier: fingerprint(identifier.trim().toLowerCase()), failures: r.failures };
    await securityEvent(this.deps.recordAuditEntry, 'auth.login_failed', subject, origin, meta);
    if (r.lockedUntil) {
      await securityEvent(this.deps.recordAuditEntry, 'auth.login_locked', subject, origin, { ...meta, lockedUntil: r.lockedUntil.toISOString() });
      // The lock lives in the throttle (Redis), so the alert is its own one-row transaction.
      if (account) await this.deps.outbox.add([securityAlertEvent(account.id, 'login_locked', origin, this.deps.clock.now())]);
    }
    throw invalidCredentials();
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.deps.passwords.hash(`dummy-${Math.random()}-Aa1!`);
    return this.dummyHash;
  }
}

export function lockedError(until: Date, now: Date): AppError {
  const after = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new AppError('RATE_LIMIT_EXCEEDED', 'Too many failed logins; try again later', { headers: { 'Retry-After': String(after) }, details: { reason: 'login_locked', retryAfterS: after } });
}

/** Only verified, unsuspended accounts log in or refresh. Called after the password matched, so it leaks nothing. */
export function assertMayLogIn(account: Account): void {
  if (account.status === 'pending_verification') throw new AppError('FORBIDDEN', 'Phone number not verified', { details: { reason: 'phone_not_verified' } });
  if (account.status === 'suspended') throw new AppError('FORBIDDEN', 'Account suspended', { details: { reason: 'account_suspended' } });
}
