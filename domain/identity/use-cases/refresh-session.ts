import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import type { AccountRepository, SessionRepository } from '../ports.js';
import { hashRefreshToken } from '../secrets.js';
import { securityEvent, type AuditWriter, type Origin } from '../security-log.js';
import { invalidRefreshToken, type SessionTokens, type TokenPair } from '../session-tokens.js';
import type { RefreshTokenRecord } from '../model.js';
import { securityAlertEvent } from '../events.js';

export interface RefreshSessionDeps {
  accounts: AccountRepository;
  sessions: SessionRepository;
  sessionTokens: SessionTokens;
  recordAuditEntry: AuditWriter;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
}

/**
 * Rotates a refresh token: each one works once. Presenting a token that was
 * already rotated means it leaked, so the whole family (the session) is
 * revoked and a security event is written.
 */
export class RefreshSession {
  constructor(private readonly deps: RefreshSessionDeps) {}

  async execute(input: { refreshToken: string }, origin: Origin = {}): Promise<TokenPair> {
    const now = this.deps.clock.now();
    const record = await this.deps.sessions.findRefreshToken(hashRefreshToken(input.refreshToken));
    if (!record) throw invalidRefreshToken();
    const session = await this.deps.sessions.findSession(record.sessionId);
    if (!session || session.revokedAt || session.expiresAt <= now || record.expiresAt <= now) throw invalidRefreshToken();
    if (record.usedAt || !(await this.deps.sessions.markRefreshTokenUsed(record.tokenHash, now))) return this.reused(record, origin);
    const account = await this.deps.accounts.findById(record.accountId);
    if (!account || account.status !== 'active') {
      await this.deps.sessionTokens.revokeOne(record.accountId, session.id, 'suspended');
      throw invalidRefreshToken();
    }
    return this.deps.sessionTokens.issue(account, session.id, session.expiresAt);
  }

  private async reused(record: RefreshTokenRecord, origin: Origin): Promise<never> {
    await this.deps.unitOfWork.transaction(async () => {
      await this.deps.sessionTokens.revokeOne(record.accountId, record.sessionId, 'refresh_reuse');
      await this.deps.outbox.add([securityAlertEvent(record.accountId, 'refresh_token_reused', origin, this.deps.clock.now())]);
    });
    await securityEvent(this.deps.recordAuditEntry, 'auth.refresh_token_reused', { id: record.accountId, role: 'unknown' }, origin, { sessionId: record.sessionId });
    throw invalidRefreshToken();
  }
}
