import type { Namespace, Server, Socket } from 'socket.io';
import { ARRIVAL_STATUS, GEOFENCE_FOR, STOP_AHEAD, isActive, type DeliveryView, type Stop } from '../../domain/delivery/model.js';
import { AppError } from '../../domain/shared/errors.js';
import { isGeoError, type CourierState, type CourierStatus, type Fix, type FixResult, type EtaResult, type GeofenceEvent, type GpsFlag, type IndexedStatus, type Vehicle } from '../../geo/index.js';
import { handle, messageOf, ok, toAckError, validationAck } from '../ack.js';
import type { RealtimeDeps } from '../deps.js';
import { FixBatcher } from '../fix-batcher.js';
import { PositionFanout } from '../position-fanout.js';
import { guardEvents } from '../event-guard.js';
import { PROTOCOL, courierOffline, courierOnline, fix as fixSchema, locationsBatch, type CourierPosition, type FixPayload, type LocationAck } from '../protocol.js';
import { principalOf, type SocketSessions } from '../sessions.js';
import { TokenBucket } from '../token-bucket.js';

type FixIn = FixPayload & { index?: number };
type Rejected = { index: number; code: 'VALIDATION_ERROR'; message: string };
/** `cell`: the index's H3 cell of `at` (it spares the ETA an H3 lookup). */
type PendingPosition = { delivery: DeliveryView; at: Fix; cell: string | undefined; vehicle: Vehicle };

/** Fixes older than this are buffered backlog: they use the backlog budget, not the live one. */
const BACKLOG_AGE_MS = 30_000;
const BACKLOG_RATE_PER_S = 50;
const BACKLOG_BURST = 500;

interface Online {
  vehicle: Vehicle;
  capacity: number;
  deliveries: Map<string, DeliveryView>;
  fences: Set<string>;
  /** Fences could not be placed yet (the index places them once the courier has a position). */
  fencesPending: boolean;
}

interface CourierSocketData {
  live: TokenBucket;
  backlog: TokenBucket;
  online: Online | null;
  /** Serializes this socket's fix messages so batches apply in order. */
  queue: Promise<unknown>;
  /** Messages in `queue` (being applied or waiting). */
  queued: number;
}

const dataOf = (socket: Socket) => socket.data as { courier: CourierSocketData };

/**
 * /courier: go online/offline and stream fixes. The hot path is
 * validate → token bucket → one Lua call in the geo index → coalesced
 * volatile broadcast to each active order's room; nothing touches the database
 * except the rare geofence arrival.
 */
export class CourierNamespace {
  readonly nsp: Namespace;
  /** This process's online couriers. */
  private readonly local = new Map<string, Socket>();
  /** Coalesces raw fixes per order; the ETA is computed only for the fixes that are sent. */
  private readonly fanout: PositionFanout<PendingPosition>;
  /** Every socket's fixes within the linger (HUB_FIX_LINGER_MS) go to the index in one call. */
  private readonly batcher: FixBatcher;
  /** Fix counters with their label bound once (the hot path increments them per message). */
  private readonly counted: Record<'accepted' | 'ignored' | 'dropped' | 'rejected' | 'shed', { inc(n?: number): void }>;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    io: Server,
    private readonly sessions: SocketSessions,
    private readonly deps: RealtimeDeps,
  ) {
    this.nsp = io.of('/courier');
    sessions.guard(this.nsp, ['courier']);
    // Positions are volatile (a newer one supersedes a dropped one); the operator is built once.
    const customers = io.of('/customer').volatile;
    this.batcher = new FixBatcher((fixes) => deps.courierIndex.applyFixes(fixes), { lingerMs: deps.settings.fixLingerMs });
    const fixes = deps.metrics.fixes;
    this.counted = {
      accepted: fixes.labels('accepted'),
      ignored: fixes.labels('ignored'),
      dropped: fixes.labels('dropped'),
      rejected: fixes.labels('rejected'),
      shed: fixes.labels('shed'),
    };
    const positions = deps.metrics.broadcasts.labels('courier:position');
    this.fanout = new PositionFanout<PendingPosition>((orderId, { delivery, at, cell, vehicle }) => {
      const send = (eta: DoorEta | null) => {
        customers.to(`order:${orderId}`).emit('courier:position', positionOf(delivery, at, eta));
        positions.inc();
      };
      // Usually the ETA is answered from memory; only a cold cell pair waits for Redis.
      const eta = etaToDoorNow(deps.eta, delivery, at, vehicle, cell);
      if (eta !== undefined) return send(eta);
      etaToDoor(deps.eta, delivery, at, vehicle).then(send, (err: unknown) => deps.logger.warn({ err, orderId }, 'position broadcast failed'));
    }, deps.settings.positionIntervalMs);
    this.nsp.on('connection', (socket) => this.onConnection(socket));
    this.heartbeat = setInterval(() => void this.deps.presence.heartbeat(this.local.keys()).catch(() => undefined), 20_000);
    this.heartbeat.unref();
  }

  private onConnection(socket: Socket): void {
    const { settings, logger, metrics } = this.deps;
    dataOf(socket).courier = {
      live: new TokenBucket(settings.fixRatePerS, settings.fixBurst),
      backlog: new TokenBucket(BACKLOG_RATE_PER_S, BACKLOG_BURST),
      online: null,
      queue: Promise.resolve(),
      queued: 0,
    };
    metrics.sockets.inc({ namespace: '/courier' });
    guardEvents(socket, '/courier', PROTOCOL['/courier'], metrics);
    socket.on('courier:online', handle(courierOnline, logger, (p) => this.goOnline(socket, p.vehicle, p.capacity)));
    socket.on('courier:offline', handle(courierOffline, logger, () => this.goOffline(socket).then(() => ok({ status: 'offline' as const }))));
    socket.on('location', (...args: unknown[]) => {
      const { payload, ack: reply } = messageOf<LocationAck>(args);
      const parsed = fixSchema.safeParse(payload);
      if (!parsed.success) {
        this.counted.rejected.inc();
        return reply(validationAck(parsed.error));
      }
      if (this.overloaded()) {
        // The next fix supersedes this one; answering now keeps the ack fast while the hub catches up.
        this.counted.shed.inc();
        return reply({ ok: true, accepted: 0, dropped: 1, ignored: 0, rejected: [], flags: [] });
      }
      this.enqueue(socket, [parsed.data], [], reply, true);
    });
    socket.on('locations', (...args: unknown[]) => {
      const { payload, ack: reply } = messageOf<LocationAck>(args);
      const batch = locationsBatch.safeParse(payload);
      if (!batch.success) return reply(validationAck(batch.error));
      if (this.overloaded()) {
        // A buffered trail must not be lost: the app keeps it and sends it again.
        this.counted.shed.inc(batch.data.fixes.length);
        return reply({ ok: false, code: 'RATE_LIMITED', message: 'the hub is busy: send this batch again shortly', details: [{ reason: 'hub_busy', retryAfterMs: 1_000, message: 'retry in 1000 ms' }] });
      }
      const valid: FixIn[] = [];
      const rejected: Rejected[] = [];
      batch.data.fixes.forEach((raw, index) => {
        const f = fixSchema.safeParse(raw);
        if (f.success) valid.push({ ...f.data, index });
        else rejected.push({ index, code: 'VALIDATION_ERROR', message: f.error.issues[0]?.message ?? 'invalid fix' });
      });
      if (rejected.length > 0) this.counted.rejected.inc(rejected.length);
      valid.sort((a, b) => a.ts - b.ts);
      this.enqueue(socket, valid, rejected, reply, false);
    });
    socket.once('disconnect', () => {
      metrics.sockets.dec({ namespace: '/courier' });
      void this.goOffline(socket).catch((err: unknown) => logger.warn({ err }, 'courier offline on disconnect failed'));
    });
  }

  private async goOnline(socket: Socket, vehicle: Vehicle, capacity: number) {
    const courierId = principalOf(socket).accountId;
    const verdict = await this.deps.courierEligibility.execute(courierId);
    if (!verdict.eligible) throw new AppError('FORBIDDEN', 'This courier may not go online', { details: [{ reason: verdict.reason, message: 'This courier may not go online' }] });
    const state = dataOf(socket).courier;
    state.online = { vehicle, capacity, deliveries: new Map(), fences: new Set(), fencesPending: false };
    const previous = await this.deps.presence.online(courierId, socket.id, vehicle);
    if (previous) this.nsp.in(previous.socketId).disconnectSockets(true); // one live socket per courier, cluster-wide
    const old = this.local.get(courierId);
    if (old && old !== socket) old.disconnect(true);
    this.local.set(courierId, socket);
    await this.refreshDeliveries(courierId);
    const online = state.online;
    return ok({ status: statusOf(online), deliveries: [...online.deliveries.values()].map(deliverySummary) });
  }

  private async goOffline(socket: Socket): Promise<void> {
    const state = dataOf(socket).courier;
    if (!state?.online) return;
    const courierId = principalOf(socket).accountId;
    const online = state.online;
    state.online = null;
    if (this.local.get(courierId) !== socket) return; // replaced by a newer socket, which owns the state now
    this.local.delete(courierId);
    for (const d of online.deliveries.values()) this.fanout.forget(d.orderId);
    await this.deps.presence.offline(courierId, socket.id);
    await this.deps.courierIndex.setState(courierId, stateOf(online, 'offline'));
  }

  /**
   * Reloads the courier's active deliveries (on going online and on every
   * delivery event that concerns them): availability, geofences and the
   * courier's own `courier:deliveries` list follow.
   */
  async refreshDeliveries(courierId: string): Promise<void> {
    const socket = this.local.get(courierId);
    const online = socket ? dataOf(socket).courier.online : null;
    if (!socket || !online) return;
    const views = (await this.deps.activeDeliveries.listActiveByCourier(courierId)).map((d) => d.toView());
    const before = new Set(online.deliveries.keys());
    online.deliveries = new Map(views.map((v) => [v.id, v]));
    for (const id of before) if (!online.deliveries.has(id)) this.fanout.forget(id);
    try {
      await this.deps.courierIndex.setState(courierId, stateOf(online));
      await this.syncFences(courierId, online);
    } finally {
      // Sent once the fences are in place, so the app knows arrivals will be detected from here on.
      socket.emit('courier:deliveries', { deliveries: views.map(deliverySummary) });
    }
  }

  /** Whether this process holds the courier's live socket and that courier carries the delivery. */
  carries(courierId: string, deliveryId: string): boolean {
    const socket = this.local.get(courierId);
    return !!socket && !!dataOf(socket).courier.online?.deliveries.has(deliveryId);
  }
  localCouriers(): IterableIterator<string> {
    return this.local.keys();
  }

  private async syncFences(courierId: string, online: Online): Promise<void> {
    const wanted = new Map<string, { lat: number; lng: number }>();
    for (const d of online.deliveries.values()) {
      const stop = GEOFENCE_FOR[d.status];
      if (stop) wanted.set(`${stop}:${d.id}`, d[stop]);
    }
    for (const id of online.fences) {
      if (!wanted.has(id)) {
        await this.deps.courierIndex.removeGeofence(courierId, id);
        online.fences.delete(id);
      }
    }
    online.fencesPending = false;
    for (const [id, at] of wanted) {
      if (online.fences.has(id)) continue;
      try {
        await this.deps.courierIndex.setGeofence(courierId, { id, lat: at.lat, lng: at.lng, radiusM: this.deps.settings.arrivalRadiusM });
        online.fences.add(id);
      } catch (err) {
        if (!(isGeoError(err) && err.reason === 'UNKNOWN_COURIER')) throw err;
        online.fencesPending = true; // no fix yet: placed right after the first one
      }
    }
  }

  /** Load shedding: this process has more fixes waiting for the index than it can apply promptly. */
  private overloaded(): boolean {
    return this.batcher.pending >= this.deps.settings.maxPendingFixes;
  }

  /**
   * The token buckets decide on arrival, before anything queues: live fixes
   * spend the live budget, buffered fixes older than BACKLOG_AGE_MS the
   * backlog budget; over budget, the newest are kept.
   */
  private admit(state: CourierSocketData, fixes: FixIn[], live: boolean): { kept: FixIn[]; dropped: number } {
    if (live) {
      const n = state.live.take(fixes.length);
      return { kept: n === fixes.length ? fixes : fixes.slice(fixes.length - n), dropped: fixes.length - n };
    }
    const cutoff = Date.now() - BACKLOG_AGE_MS;
    const backlog = fixes.filter((f) => f.ts < cutoff);
    const fresh = fixes.filter((f) => f.ts >= cutoff);
    const keepBacklog = state.backlog.take(backlog.length);
    const keepFresh = state.live.take(fresh.length);
    const kept = [...backlog.slice(backlog.length - keepBacklog), ...fresh.slice(fresh.length - keepFresh)];
    return { kept, dropped: fixes.length - kept.length };
  }

  private enqueue(socket: Socket, fixes: FixIn[], rejected: Rejected[], reply: (r: LocationAck) => void, live: boolean): void {
    const state = dataOf(socket).courier;
    const started = performance.now();
    const { kept, dropped } = this.admit(state, fixes, live);
    // `run` never rejects, so the chain never breaks. With nothing in flight it starts at once (no
    // closure, no extra promise: the common case), so its fixes reach the batcher (and count for
    // load shedding) before the next message is read.
    state.queued += 1;
    state.queue =
      state.queued === 1
        ? this.run(socket, state, kept, dropped, rejected, reply, live, started)
        : state.queue.then(() => this.run(socket, state, kept, dropped, rejected, reply, live, started));
  }

  private async run(socket: Socket, state: CourierSocketData, kept: FixIn[], dropped: number, rejected: Rejected[], reply: (r: LocationAck) => void, live: boolean, started: number): Promise<void> {
    let ack: LocationAck;
    try {
      ack = await this.ingest(socket, kept, dropped, rejected, live);
    } catch (err) {
      const e = toAckError(err, this.deps.logger);
      this.deps.metrics.acks.inc({ event: live ? 'location' : 'locations', code: e.code });
      ack = e;
    }
    state.queued -= 1;
    this.deps.metrics.ingestSeconds.observe((performance.now() - started) / 1e3);
    try {
      reply(ack);
    } catch (err) {
      this.deps.logger.warn({ err }, 'location ack failed');
    }
  }

  private async ingest(socket: Socket, keptIn: FixIn[], dropped: number, rejected: Rejected[], live: boolean): Promise<LocationAck> {
    const state = dataOf(socket).courier;
    const online = state.online;
    if (!online) return { ok: false, code: 'NOT_ONLINE', message: 'go online (courier:online) before sending fixes' };
    const courierId = principalOf(socket).accountId;
    const kept = keptIn.map((f) => toFix(courierId, f));
    let results = kept.length === 0 ? [] : await this.batcher.submit(kept);
    // The index lost the courier (Redis restarted empty): re-register its state once and retry.
    if (results.some(unknownCourier)) {
      await this.deps.courierIndex.setState(courierId, stateOf(online));
      results = await this.batcher.submit(kept);
    }
    if (live && results[0]?.outcome === 'rejected') throw results[0].error; // one fix: the ack is the error itself
    let accepted = 0;
    let ignored = 0;
    let flags: Set<GpsFlag> | null = null;
    let arrivals: GeofenceEvent[] | null = null;
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (r.outcome === 'applied') accepted += 1;
      else if (r.outcome === 'ignored') ignored += 1;
      else rejected.push({ index: keptIn[i]?.index ?? i, code: 'VALIDATION_ERROR', message: r.error?.message ?? 'rejected' });
      for (const f of r.flags) (flags ??= new Set()).add(f);
      for (const e of r.events) if (e.type === 'entered') (arrivals ??= []).push(e);
    }
    if (accepted > 0) this.counted.accepted.inc(accepted);
    if (ignored > 0) this.counted.ignored.inc(ignored);
    if (dropped > 0) this.counted.dropped.inc(dropped);
    if (accepted > 0) this.broadcast(online, kept, results);
    if (accepted > 0 && online.fencesPending) await this.syncFences(courierId, online).catch((err: unknown) => this.deps.logger.warn({ err, courierId }, 'geofences could not be placed'));
    if (arrivals) await this.arrive(courierId, arrivals);
    return { ok: true, accepted, dropped, ignored, rejected, flags: flags ? [...flags] : [] };
  }

  private broadcast(online: Online, fixes: Fix[], results: FixResult[]): void {
    if (online.deliveries.size === 0) return;
    let last = results.length - 1;
    while (last >= 0 && results[last]!.outcome !== 'applied') last -= 1;
    if (last < 0) return;
    const at = fixes[last]!;
    const cell = results[last]!.cell;
    for (const d of online.deliveries.values()) {
      if (!isActive(d.status)) continue;
      this.fanout.offer(d.orderId, { delivery: d, at, cell, vehicle: online.vehicle });
    }
  }

  private async arrive(courierId: string, events: { fenceId: string; ts: number }[]): Promise<void> {
    for (const e of events) {
      const [kind, deliveryId] = e.fenceId.split(':') as [string, string];
      const status = Object.hasOwn(ARRIVAL_STATUS, kind) ? ARRIVAL_STATUS[kind as Stop] : null;
      if (!status || !deliveryId) continue;
      try {
        await this.deps.recordArrival.execute({ deliveryId, courierId, status, at: new Date(e.ts) });
      } catch (err) {
        // The fix is stored; the arrival is re-detected on the next visit or set by hand. Never fail the ack for it.
        this.deps.logger.warn({ err, courierId, deliveryId, status }, 'geofence arrival could not be recorded');
      }
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.fanout.close();
  }
}

type DoorEta = { seconds: number; source: 'haversine' | 'learned' | 'google' };

/** The watcher's view of a fix: where the courier is and when the order should arrive. */
function positionOf(d: DeliveryView, at: Fix, eta: DoorEta | null): CourierPosition {
  return { orderId: d.orderId, lat: at.lat, lng: at.lng, heading: at.heading ?? null, speed: at.speed ?? null, ts: at.ts, etaSeconds: eta?.seconds ?? null, etaSource: eta?.source ?? null };
}

type Leg = [from: { lat: number; lng: number }, to: { lat: number; lng: number }];

/** The legs to the customer's door: via the pickup until the order is picked up; none once it is over. */
function legsToDoor(d: Pick<DeliveryView, 'status' | 'pickup' | 'dropoff'>, at: { lat: number; lng: number }): Leg[] {
  const stop = STOP_AHEAD[d.status];
  if (stop === 'dropoff') return [[at, d.dropoff]];
  if (stop === 'pickup') return [[at, d.pickup], [d.pickup, d.dropoff]];
  return [];
}

/** A sum is only as good as its weakest part. */
function overLegs(rs: EtaResult[]): DoorEta | null {
  if (rs.length === 0) return null;
  const source = rs.reduce((worst, r) => (SOURCE_RANK[r.source] < SOURCE_RANK[worst] ? r.source : worst), rs[0]!.source);
  return { seconds: Math.round(rs.reduce((n, r) => n + r.durationS, 0)), source };
}

/** ETA to the customer's door (legsToDoor). */
export async function etaToDoor(eta: RealtimeDeps['eta'], d: Pick<DeliveryView, 'status' | 'pickup' | 'dropoff'>, at: { lat: number; lng: number }, vehicle: Vehicle): Promise<DoorEta | null> {
  return overLegs(await Promise.all(legsToDoor(d, at).map(([from, to]) => eta.eta(from, to, vehicle))));
}

/** `etaToDoor` when it needs no I/O (EtaService.peek); undefined when it does. */
export function etaToDoorNow(eta: RealtimeDeps['eta'], d: Pick<DeliveryView, 'status' | 'pickup' | 'dropoff'>, at: { lat: number; lng: number }, vehicle: Vehicle, atCell?: string): DoorEta | null | undefined {
  const rs: EtaResult[] = [];
  for (const [from, to] of legsToDoor(d, at)) {
    const r = eta.peek(from, to, vehicle, from === at ? atCell : undefined);
    if (!r) return undefined;
    rs.push(r);
  }
  return overLegs(rs);
}

const unknownCourier = (r: FixResult) => !!r.error && isGeoError(r.error) && r.error.reason === 'UNKNOWN_COURIER';
/** The index's fix from a validated payload (optional fields only when present). */
function toFix(courierId: string, f: FixPayload): Fix {
  const fix: Fix = { courierId, lat: f.lat, lng: f.lng, ts: f.ts };
  if (f.accuracy !== undefined) fix.accuracy = f.accuracy;
  if (f.speed !== undefined) fix.speed = f.speed;
  if (f.heading !== undefined) fix.heading = f.heading;
  if (f.mock !== undefined) fix.mock = f.mock;
  return fix;
}
const SOURCE_RANK = { haversine: 0, learned: 1, google: 2 } as const;
const statusOf = (online: Online): IndexedStatus => (online.deliveries.size >= online.capacity ? 'busy' : 'available');
/** The courier's state in the geo index follows from what the socket knows: vehicle, capacity and active deliveries. */
const stateOf = (online: Online, status: CourierStatus = statusOf(online)): CourierState => ({ status, vehicle: online.vehicle, capacity: online.capacity, load: online.deliveries.size });
const deliverySummary = (d: DeliveryView) => ({ deliveryId: d.id, orderId: d.orderId, status: d.status, pickup: d.pickup, dropoff: d.dropoff });
