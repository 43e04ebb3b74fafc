import type { Principal } from '../../shared/principal.js';
import type { SessionTokens } from '../session-tokens.js';

/** Revokes the caller's session: its refresh tokens stop working and its access tokens are refused at once. */
export class LogOut {
  constructor(private readonly deps: { sessionTokens: SessionTokens }) {}

  async execute(principal: Principal): Promise<{ loggedOut: true }> {
    await this.deps.sessionTokens.revokeOne(principal.accountId, principal.sessionId, 'logout');
    return { loggedOut: true };
  }
}
