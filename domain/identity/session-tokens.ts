import { AppError } from '../shared/errors.js';
import type { Clock, IdGenerator } from '../shared/ids.js';
import type { Account, AccountView, IdentityEvent } from './model.js';
import type { Principal } from '../shared/principal.js';
import type { AccessRevocations, AccessTokenSigner, AccessTokenVerifier, IdentityEventPublisher, SessionRepository } from './ports.js';
import { hashRefreshToken, newRefreshToken } from './secrets.js';
import type { Origin } from './security-log.js';

export interface SessionTokensDeps {
  sessions: SessionRepository;
  accessTokens: AccessTokenSigner;
  revocations: AccessRevocations;
  identityEvents: IdentityEventPublisher;
  clock: Clock;
  ids: IdGenerator;
  sessionSettings: { refreshTokenTtlS: number };
}

export interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  sessionId: string;
  account: AccountView;
}

type RevokeReason = Extract<IdentityEvent, { type: 'identity.sessions_revoked' }>['reason'];

/** Opening, rotating and revoking sessions. One session is one refresh-token family. */
export class SessionTokens {
  constructor(private readonly deps: SessionTokensDeps) {}

  async open(account: Account, origin: Origin = {}): Promise<TokenPair> {
    const now = this.deps.clock.now();
    const sessionId = this.deps.ids.next();
    const expiresAt = new Date(now.getTime() + this.deps.sessionSettings.refreshTokenTtlS * 1000);
    await this.deps.sessions.createSession({ id: sessionId, accountId: account.id, createdAt: now, expiresAt, revokedAt: null, revokedReason: null, ip: origin.ip ?? null, userAgent: origin.userAgent ?? null });
    return this.issue(account, sessionId, expiresAt);
  }

  /** A new refresh token in the same family (its absolute expiry is the session's) and a new access token. */
  async issue(account: Account, sessionId: string, sessionExpiresAt: Date): Promise<TokenPair> {
    const now = this.deps.clock.now();
    const refreshToken = newRefreshToken();
    await this.deps.sessions.addRefreshToken({ tokenHash: hashRefreshToken(refreshToken), sessionId, accountId: account.id, issuedAt: now, expiresAt: sessionExpiresAt, usedAt: null });
    const access = this.deps.accessTokens.sign({ sub: account.id, role: account.role, perms: account.permissions, sid: sessionId });
    return {
      tokenType: 'Bearer',
      accessToken: access.token,
      accessTokenExpiresAt: new Date(access.expiresAt * 1000).toISOString(),
      refreshToken,
      refreshTokenExpiresAt: sessionExpiresAt.toISOString(),
      sessionId,
      account: account.toView(),
    };
  }

  async revokeOne(accountId: string, sessionId: string, reason: RevokeReason): Promise<void> {
    await this.deps.sessions.revokeSession(sessionId, this.deps.clock.now(), reason);
    await this.revoked(accountId, [sessionId], reason);
  }

  async revokeAll(accountId: string, reason: RevokeReason): Promise<string[]> {
    const ids = await this.deps.sessions.revokeAllForAccount(accountId, this.deps.clock.now(), reason);
    if (ids.length) await this.revoked(accountId, ids, reason);
    return ids;
  }

  private async revoked(accountId: string, sessionIds: string[], reason: RevokeReason): Promise<void> {
    await this.deps.revocations.revokeSessions(sessionIds);
    await this.deps.identityEvents.publish({ type: 'identity.sessions_revoked', accountId, sessionIds, reason, at: this.deps.clock.now().toISOString() });
  }
}

export const invalidRefreshToken = (): AppError => new AppError('INVALID_TOKEN', 'Invalid refresh token');

/**
 * A verifier that also refuses tokens of revoked sessions (logout, reset,
 * refresh reuse) and of suspended accounts, before their 15 minutes are up.
 */
export const withRevocationCheck = (tokens: AccessTokenVerifier, revocations: Pick<AccessRevocations, 'isRevoked'>): AccessTokenVerifier => ({
  async verify(token: string): Promise<Principal> {
    const principal = await tokens.verify(token);
    if (await revocations.isRevoked(principal.accountId, principal.sessionId)) throw new AppError('INVALID_TOKEN', 'Session revoked');
    return principal;
  },
});
