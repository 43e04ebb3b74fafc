import type { Namespace, Server, Socket } from 'socket.io';
import { AppError } from '../../domain/shared/errors.js';
import { getResolution, isValidCell } from 'h3-js';
import { handle, ok } from '../ack.js';
import type { RealtimeDeps } from '../deps.js';
import { guardEvents } from '../event-guard.js';
import { PROTOCOL, opsSubscribe, type OpsSnapshot } from '../protocol.js';
import type { SocketSessions } from '../sessions.js';
import { OpsControl } from './ops-control.js';

const MAX_AREAS = 50;
const MIN_AREA_RES = 4;
const MAX_AREA_RES = 7;

type Area = OpsSnapshot['areas'][number];
const areasOf = (socket: Socket) => (socket.data as { areas?: Set<string> }).areas!;

/**
 * /ops: admins watch areas (H3 cells, res 4-7). Once per interval this process
 * reads each area its own ops sockets watch (each area once, however many
 * watch it) and sends every socket one batched snapshot of its areas.
 * Delivery events reach every ops socket as they happen. Dispatchers assign,
 * reassign and unassign from here too (ops-control.ts).
 */
export class OpsNamespace {
  readonly nsp: Namespace;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly control: OpsControl;

  constructor(
    io: Server,
    sessions: SocketSessions,
    private readonly deps: RealtimeDeps,
  ) {
    this.nsp = io.of('/ops');
    this.control = new OpsControl(deps);
    sessions.guard(this.nsp, ['admin']);
    this.nsp.on('connection', (socket) => this.onConnection(socket));
    this.timer = setInterval(() => void this.tick(), deps.settings.opsIntervalMs);
    this.timer.unref();
  }

  private onConnection(socket: Socket): void {
    const { logger, metrics } = this.deps;
    metrics.sockets.inc({ namespace: '/ops' });
    (socket.data as { areas: Set<string> }).areas = new Set();
    socket.once('disconnect', () => metrics.sockets.dec({ namespace: '/ops' }));
    guardEvents(socket, '/ops', PROTOCOL['/ops'], metrics);
    socket.on(
      'ops:subscribe',
      handle(opsSubscribe, logger, ({ cells }) => {
        const wrong = cells.flatMap((cell, i) => {
          const res = validResolution(cell);
          return res === null || res < MIN_AREA_RES || res > MAX_AREA_RES ? [{ field: `cells.${i}`, message: `${cell} is not an H3 cell of resolution ${MIN_AREA_RES}-${MAX_AREA_RES}` }] : [];
        });
        if (wrong.length > 0) throw new AppError('VALIDATION_ERROR', `areas are H3 cells of resolution ${MIN_AREA_RES}-${MAX_AREA_RES}`, { details: wrong });
        const areas = areasOf(socket);
        const next = new Set([...areas, ...cells]);
        if (next.size > MAX_AREAS) throw new AppError('VALIDATION_ERROR', `at most ${MAX_AREAS} areas per socket`);
        for (const c of cells) areas.add(c);
        return ok({ cells: [...areas] });
      }),
    );
    this.control.attach(socket);
    socket.on(
      'ops:unsubscribe',
      handle(opsSubscribe, logger, ({ cells }) => {
        const areas = areasOf(socket);
        for (const c of cells) areas.delete(c);
        return ok({ cells: [...areas] });
      }),
    );
  }

  /** One snapshot round: skipped while the previous one is still running (backpressure). */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const sockets = [...this.nsp.sockets.values()].filter((s) => areasOf(s)?.size);
      if (sockets.length === 0) return;
      const wanted = new Set(sockets.flatMap((s) => [...areasOf(s)]));
      const read = new Map<string, Area>();
      await Promise.all(
        [...wanted].map(async (cell) => {
          try {
            const r = await this.deps.courierIndex.couriersInArea(cell);
            read.set(cell, { cell, counts: r.counts, couriers: r.couriers.map((c) => ({ courierId: c.courierId, lat: c.lat, lng: c.lng, status: c.status, vehicle: c.vehicle, ts: c.ts, stale: c.stale })), truncated: r.truncated });
          } catch (err) {
            this.deps.logger.warn({ err, cell }, 'ops area read failed');
          }
        }),
      );
      const at = new Date().toISOString();
      for (const socket of sockets) {
        const areas = [...areasOf(socket)].map((c) => read.get(c)).filter((a): a is Area => !!a);
        if (areas.length > 0) socket.volatile.emit('ops:snapshot', { at, areas } satisfies OpsSnapshot);
      }
      this.deps.metrics.broadcasts.inc({ event: 'ops:snapshot' }, sockets.length);
    } finally {
      this.ticking = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function validResolution(cell: string): number | null {
  return isValidCell(cell) ? getResolution(cell) : null;
}
