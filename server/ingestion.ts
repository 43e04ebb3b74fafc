import type { Socket } from 'socket.io';
import { isActive } from '../domain/delivery/model.js';
import { isGeoError, type Fix, type FixResult, type GeofenceEvent, type GpsFlag } from '../geo/index.js';
import { messageOf, toAckError, validationAck } from './ack.js';
import { courierDataOf, stateOf, type CourierSocketData, type FixIn, type FixJob, type Online, type Rejected } from './courier-state.js';
import type { RealtimeDeps } from './deps.js';
import { FixBatcher } from './fix-batcher.js';
import { FixProbe } from './fix-probe.js';
import type { CourierGeofences } from './geofences.js';
import type { CourierPositions } from './positions.js';
import { fix as fixSchema, locationsBatch, type FixPayload, type LocationAck } from './protocol.js';
import { principalOf } from './sessions.js';

type Reply = (ack: LocationAck) => void;

/** Fixes older than this are buffered backlog: they use the backlog budget, not the live one. */
const BACKLOG_AGE_MS = 30_000;

const NONE: never[] = Object.freeze([]) as unknown as never[];
/** The common answers, built once: most messages are one live fix, applied, with no flag. */
const ACCEPTED_ONE: LocationAck = Object.freeze({ ok: true, accepted: 1, dropped: 0, ignored: 0, rejected: NONE, flags: NONE });
const SHED_ONE: LocationAck = Object.freeze({ ok: true, accepted: 0, dropped: 1, ignored: 0, rejected: NONE, flags: NONE });
const NOT_ONLINE: LocationAck = Object.freeze({ ok: false, code: 'NOT_ONLINE', message: 'go online (courier:online) before sending fixes' });
const HUB_BUSY: LocationAck = Object.freeze({
  ok: false,
  code: 'RATE_LIMITED',
  message: 'the hub is busy: send this batch again shortly',
  details: Object.freeze([Object.freeze({ reason: 'hub_busy', retryAfterMs: 1_000, message: 'retry in 1000 ms' })]) as never,
});

/**
 * The fix hot path: validate → token bucket → the process's fix batcher (one
 * Lua call in the geo index per batch) → positions to the watchers of each
 * active order, and geofence follow-ups when the index reports an arrival.
 * Callbacks all the way (no promise, no timer per message); only the rare
 * cases (a courier the index lost, geofences to place, an arrival) use
 * promises. A socket's messages apply one after another, in order.
 */
export class FixIngestion {
  private readonly batcher: FixBatcher;
  /** Fix counters with their label bound once (the hot path increments them per message). */
  private readonly probe: FixProbe | null;
  private readonly counted: Record<'accepted' | 'ignored' | 'dropped' | 'rejected' | 'shed', { inc(n?: number): void }>;

  constructor(
    private readonly deps: RealtimeDeps,
    private readonly positions: CourierPositions,
    private readonly geofences: CourierGeofences,
  ) {
    const probe = (this.probe = deps.settings.fixProbeFile ? new FixProbe(deps.settings.fixProbeFile) : null);
    this.batcher = new FixBatcher((fixes) => deps.courierIndex.applyFixes(fixes), {
      lingerMs: deps.settings.fixLingerMs,
      maxBatch: deps.settings.maxFixBatch,
      onCallbackError: (err) => deps.logger.error({ err }, 'fix callback failed'),
      ...(probe ? { observe: (size: number, lingerMs: number, applyMs: number, inFlight: number) => probe.batch(size, lingerMs, applyMs, inFlight) } : {}),
    });
    const fixes = deps.metrics.fixes;
    this.counted = {
      accepted: fixes.labels('accepted'),
      ignored: fixes.labels('ignored'),
      dropped: fixes.labels('dropped'),
      rejected: fixes.labels('rejected'),
      shed: fixes.labels('shed'),
    };
  }

  /** `location`: one live fix. */
  readonly onLocation = (socket: Socket, args: unknown[]): void => {
    const { payload, ack: reply } = messageOf<LocationAck>(args);
    const parsed = fixSchema.safeParse(payload);
    if (!parsed.success) {
      this.counted.rejected.inc();
      return reply(validationAck(parsed.error));
    }
    if (this.overloaded()) {
      // The next fix supersedes this one; answering now keeps the ack fast while the hub catches up.
      this.counted.shed.inc();
      return reply(SHED_ONE);
    }
    this.enqueue(socket, [parsed.data], [], reply, true);
  };

  /** `locations`: a buffered batch (the app was offline); each fix is judged on its own. */
  readonly onLocations = (socket: Socket, args: unknown[]): void => {
    const { payload, ack: reply } = messageOf<LocationAck>(args);
    const batch = locationsBatch.safeParse(payload);
    if (!batch.success) return reply(validationAck(batch.error));
    if (this.overloaded()) {
      // A buffered trail must not be lost: the app keeps it and sends it again.
      this.counted.shed.inc(batch.data.fixes.length);
      return reply(HUB_BUSY);
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
  };

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

  private enqueue(socket: Socket, fixes: FixIn[], rejected: Rejected[], reply: Reply, live: boolean): void {
    const state = courierDataOf(socket);
    const started = performance.now();
    const { kept, dropped } = this.admit(state, fixes, live);
    state.jobs.push({ fixes: kept, dropped, rejected, reply, live, started });
    // With nothing in flight it starts at once, so its fixes reach the batcher (and count for load
    // shedding) before the next message is read.
    if (!state.busy) this.drain(socket, state);
  }

  /** Runs the socket's waiting messages in order; a loop, not recursion, for those that finish at once. */
  private drain(socket: Socket, state: CourierSocketData): void {
    state.busy = true;
    for (;;) {
      const job = state.jobs.shift();
      if (!job) {
        state.busy = false;
        return;
      }
      let running = true;
      let answered = false;
      let finishedNow = false;
      const done = (ack: LocationAck) => {
        if (answered) return;
        answered = true;
        this.answer(job, ack);
        if (running) finishedNow = true;
        else this.drain(socket, state);
      };
      try {
        this.ingest(socket, state, job, done);
      } catch (err) {
        done(this.fail(job, err)); // a bug must not leave the socket's queue stuck
      }
      running = false;
      if (!finishedNow) return; // the callback goes on with the next message
    }
  }

  private answer(job: FixJob, ack: LocationAck): void {
    const now = performance.now();
    this.deps.metrics.ingestSeconds.observe((now - job.started) / 1e3);
    if (this.probe && job.began !== undefined && job.applied !== undefined) this.probe.message(job.started, job.began, job.applied, now);
    try {
      job.reply(ack);
    } catch (err) {
      this.deps.logger.warn({ err }, 'location ack failed');
    }
  }

  private fail(job: FixJob, err: unknown): LocationAck {
    const e = toAckError(err, this.deps.logger);
    this.deps.metrics.acks.inc({ event: job.live ? 'location' : 'locations', code: e.code });
    return e;
  }

  private ingest(socket: Socket, state: CourierSocketData, job: FixJob, done: Reply): void {
    const online = state.online;
    if (!online) return done(NOT_ONLINE);
    const courierId = principalOf(socket).accountId;
    const kept = job.fixes.map((f) => toFix(courierId, f));
    if (kept.length === 0) return this.settle(courierId, online, job, kept, [], done);
    if (this.probe) job.began = performance.now();
    this.batcher.add(kept, (err, results) => {
      if (this.probe) job.applied = performance.now();
      if (!results) return done(this.unindexed(online, job, kept, err));
      if (!results.some(unknownCourier)) return this.settle(courierId, online, job, kept, results, done);
      // The index lost the courier (Redis restarted empty): re-register its state once and retry.
      this.deps.courierIndex.setState(courierId, stateOf(online)).then(
        () => this.batcher.add(kept, (again, retried) => (retried ? this.settle(courierId, online, job, kept, retried, done) : done(this.fail(job, again)))),
        (failed: unknown) => done(this.fail(job, failed)),
      );
    });
  }

  private settle(courierId: string, online: Online, job: FixJob, kept: Fix[], results: FixResult[], done: Reply): void {
    if (job.live && results[0]?.outcome === 'rejected') return done(this.fail(job, results[0].error)); // one fix: the ack is the error itself
    const { rejected, dropped } = job;
    let accepted = 0;
    let ignored = 0;
    let flags: Set<GpsFlag> | null = null;
    let arrivals: GeofenceEvent[] | null = null;
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (r.outcome === 'applied') accepted += 1;
      else if (r.outcome === 'ignored') ignored += 1;
      else rejected.push({ index: job.fixes[i]?.index ?? i, code: 'VALIDATION_ERROR', message: r.error?.message ?? 'rejected' });
      for (const f of r.flags) (flags ??= new Set()).add(f);
      for (const e of r.events) if (e.type === 'entered') (arrivals ??= []).push(e);
    }
    if (accepted > 0) this.counted.accepted.inc(accepted);
    if (ignored > 0) this.counted.ignored.inc(ignored);
    if (dropped > 0) this.counted.dropped.inc(dropped);
    if (accepted > 0) this.broadcast(online, kept, results);
    const ack: LocationAck =
      accepted === 1 && ignored === 0 && dropped === 0 && rejected.length === 0 && flags === null
        ? ACCEPTED_ONE
        : { ok: true, accepted, dropped, ignored, rejected, flags: flags ? [...flags] : [] };
    const placePending = accepted > 0 && online.fencesPending;
    if (!placePending && !arrivals) return done(ack);
    void this.geofences.afterFixes(courierId, online, placePending, arrivals).then(() => done(ack));
  }

  /**
   * The index could not take the fixes. When it is unavailable (Redis, or a
   * Redis Cluster node, down), the ack says SERVICE_UNAVAILABLE (the fix is not
   * indexed: not searchable, no geofence, no trail) but the newest live fix
   * still goes to the watchers of the courier's orders: those on this hub get
   * it at once, and the other hubs when the position channel can publish. It
   * has passed the schema, not the index's plausibility checks (jumps,
   * ordering); a customer keeps seeing the courier move through an outage,
   * and the checks apply again with the index's return. A batch (`locations`)
   * is kept and resent by the app, so nothing of it is shown.
   */
  private unindexed(online: Online, job: FixJob, kept: Fix[], err: unknown): LocationAck {
    const ack = this.fail(job, err);
    if (ack.ok === false && ack.code === 'SERVICE_UNAVAILABLE' && job.live && kept.length > 0 && online.deliveries.size > 0) {
      const at = kept[kept.length - 1]!;
      for (const d of online.deliveries.values()) if (isActive(d.status)) this.positions.offer(d, at, undefined, online.vehicle);
    }
    return ack;
  }

  /** The newest applied fix goes to the watchers of every active order the courier carries. */
  private broadcast(online: Online, fixes: Fix[], results: FixResult[]): void {
    if (online.deliveries.size === 0) return;
    let last = results.length - 1;
    while (last >= 0 && results[last]!.outcome !== 'applied') last -= 1;
    if (last < 0) return;
    const at = fixes[last]!;
    const cell = results[last]!.cell;
    for (const d of online.deliveries.values()) {
      if (isActive(d.status)) this.positions.offer(d, at, cell, online.vehicle);
    }
  }
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
