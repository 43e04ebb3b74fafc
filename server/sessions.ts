import type { Namespace, Socket } from 'socket.io';
import type { Logger } from 'pino';
import { isAppError } from '../domain/shared/errors.js';
import type { Principal, Role } from '../domain/shared/principal.js';
import type { AccessTokenVerifier } from '../domain/identity/ports.js';
import { handle, ok } from './ack.js';
import { MAX_TOKEN_CHARS, authRefresh, handshakeAuth } from './protocol.js';

export type EndReason = 'token_expired' | 'logged_out' | 'suspended' | 'revoked';

interface SessionData {
  principal: Principal;
  expiry?: NodeJS.Timeout;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export const principalOf = (socket: Socket): Principal => (socket.data as SessionData).principal;

/**
 * Who is connected to this process, by account, and the rules that end a
 * socket's session: token expiry (unless refreshed with `auth:refresh`),
 * logout, suspension and revoked sessions (identity events, delivered to
 * every hub process; each ends its own sockets).
 */
export class SocketSessions {
  private readonly byAccount = new Map<string, Set<Socket>>();

  constructor(private readonly deps: { tokens: AccessTokenVerifier; logger: Logger; now?: () => number }) {}

  /**
   * Namespace middleware: a valid token of one of `roles` in `handshake.auth.token`.
   * Refusals carry `err.data.code` (UNAUTHORIZED, INVALID_TOKEN, FORBIDDEN, SERVICE_UNAVAILABLE).
   */
  guard(nsp: Namespace, roles: readonly Role[]): void {
    nsp.use((socket, next) => {
      const auth = handshakeAuth.safeParse(socket.handshake.auth);
      if (!auth.success) {
        const given = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
        if (typeof given === 'string' && given.length > MAX_TOKEN_CHARS) return next(refusal('INVALID_TOKEN', `handshake.auth.token is too long to be a token (at most ${MAX_TOKEN_CHARS} characters)`));
        return next(refusal('UNAUTHORIZED', 'handshake.auth.token is required'));
      }
      Promise.resolve()
        .then(() => this.deps.tokens.verify(auth.data.token))
        .then(
          (principal) => {
            if (!roles.includes(principal.role)) return next(refusal('FORBIDDEN', `this namespace is for ${roles.join(', ')}`));
            (socket.data as SessionData) = { principal };
            next();
          },
          (err: unknown) => {
            if (isAppError(err) && err.code === 'SERVICE_UNAVAILABLE') return next(refusal('SERVICE_UNAVAILABLE', 'temporarily unavailable, retry shortly'));
            if (isAppError(err) && err.expose) return next(refusal('INVALID_TOKEN', err.message));
            this.deps.logger.error({ err }, 'socket authentication failed');
            next(refusal('SERVICE_UNAVAILABLE', 'temporarily unavailable, retry shortly'));
          },
        );
    });
    nsp.on('connection', (socket) => this.track(socket, roles));
  }

  private track(socket: Socket, roles: readonly Role[]): void {
    releaseUpgradeRequest(socket);
    const { accountId } = principalOf(socket);
    let set = this.byAccount.get(accountId);
    if (!set) this.byAccount.set(accountId, (set = new Set()));
    set.add(socket);
    this.armExpiry(socket);
    socket.on(
      'auth:refresh',
      handle(authRefresh, this.deps.logger, async ({ token }) => {
        const next = await this.deps.tokens.verify(token);
        const current = principalOf(socket);
        if (next.accountId !== current.accountId || !roles.includes(next.role)) {
          return { ok: false as const, code: 'FORBIDDEN' as const, message: 'the new token must belong to the same account and role' };
        }
        (socket.data as SessionData).principal = next;
        this.armExpiry(socket);
        return ok({ expiresAt: next.expiresAt });
      }),
    );
    socket.once('disconnect', () => {
      clearTimeout((socket.data as SessionData).expiry);
      set.delete(socket);
      if (set.size === 0 && this.byAccount.get(accountId) === set) this.byAccount.delete(accountId);
    });
  }

  private armExpiry(socket: Socket): void {
    const data = socket.data as SessionData;
    clearTimeout(data.expiry);
    const inMs = data.principal.expiresAt * 1000 - (this.deps.now ?? Date.now)();
    data.expiry = setTimeout(() => end(socket, 'token_expired'), Math.max(0, Math.min(inMs, MAX_TIMER_MS)));
    data.expiry.unref();
  }

  /** Ends this process's sockets of an account (all, or only those of the listed sessions). */
  endAccount(accountId: string, reason: EndReason, sessionIds?: readonly string[]): number {
    const set = this.byAccount.get(accountId);
    if (!set) return 0;
    let n = 0;
    for (const socket of [...set]) {
      if (sessionIds && !sessionIds.includes(principalOf(socket).sessionId)) continue;
      end(socket, reason);
      n += 1;
    }
    return n;
  }

  /** Sockets of this process, per account (for presence and tests). */
  socketsOf(accountId: string): Socket[] {
    return [...(this.byAccount.get(accountId) ?? [])];
  }
}

function end(socket: Socket, reason: EndReason): void {
  socket.emit('session:ended', { reason });
  socket.disconnect(true);
}

function refusal(code: string, message: string): Error & { data: { code: string } } {
  return Object.assign(new Error(message), { data: { code } });
}

/**
 * Drops the engine's reference to the HTTP upgrade request once the socket is
 * authenticated, as Socket.IO's memory guide suggests. socket.io has already
 * copied what it needs into `socket.handshake` (headers, address, auth), and
 * the hub reads nothing else from the request; what goes is the
 * IncomingMessage itself, its raw header list and stream state: about 0.8 KB
 * and 14 heap objects per connection (heap snapshots at 10,000 sockets,
 * docs/loadtest.md) that every major GC would otherwise mark again.
 * A second namespace opened later on the same connection sees no request
 * headers in its handshake; the hub's clients open one namespace each.
 */
function releaseUpgradeRequest(socket: Socket): void {
  (socket.conn as unknown as { request: unknown }).request = null;
}
