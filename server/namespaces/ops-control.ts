import type { Socket } from 'socket.io';
import { AppError } from '../../domain/shared/errors.js';
import { hasPermission, type Principal } from '../../domain/shared/principal.js';
import { handle, ok } from '../ack.js';
import type { RealtimeDeps } from '../deps.js';
import { opsAssign, opsBulk, opsUnassign } from '../protocol.js';
import { principalOf } from '../sessions.js';

/** The permission the REST routes of manual control ask of an admin. */
export const MANAGE_DELIVERIES = 'deliveries:manage';

/**
 * Manual control on /ops: `ops:assign`, `ops:reassign`, `ops:unassign` and
 * `ops:bulk` run the same ControlDelivery as `/api/v1/dispatch/deliveries/...`,
 * so the rules, the codes and the audit entry (`via: 'ops'`) are the REST
 * ones. The namespace admits admins only; each command also asks for
 * `deliveries:manage`, read from the socket's current token (auth:refresh
 * replaces it), so a dispatcher whose permission is gone is refused at once.
 */
export class OpsControl {
  constructor(private readonly deps: Pick<RealtimeDeps, 'control' | 'logger'>) {}

  attach(socket: Socket): void {
    const { logger, control } = this.deps;
    const dispatcher = (): Principal => {
      const principal = principalOf(socket);
      if (!hasPermission(principal, MANAGE_DELIVERIES)) {
        throw new AppError('FORBIDDEN', `Missing permission ${MANAGE_DELIVERIES}`, { details: [{ reason: 'missing_permission', message: MANAGE_DELIVERIES }] });
      }
      return principal;
    };
    const origin = () => ({ ip: socket.handshake.address ?? null, userAgent: headerOf(socket, 'user-agent'), requestId: null, via: 'ops' });
    socket.on(
      'ops:assign',
      handle(opsAssign, logger, async ({ deliveryId, ...input }) => ok(await control.assign(dispatcher(), deliveryId, input, origin()))),
    );
    socket.on(
      'ops:reassign',
      handle(opsAssign, logger, async ({ deliveryId, ...input }) => ok(await control.reassign(dispatcher(), deliveryId, input, origin()))),
    );
    socket.on(
      'ops:unassign',
      handle(opsUnassign, logger, async ({ deliveryId, ...input }) => ok(await control.unassign(dispatcher(), deliveryId, input, origin()))),
    );
    socket.on(
      'ops:bulk',
      handle(opsBulk, logger, async ({ items, reason }) => ok({ results: await control.bulk(dispatcher(), items, reason, origin()) })),
    );
  }
}

function headerOf(socket: Socket, name: string): string | null {
  const v = socket.handshake.headers[name];
  return typeof v === 'string' ? v.slice(0, 512) : null;
}
