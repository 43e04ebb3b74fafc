/**
 * One simulated courier, as the courier app would behave over the real hub:
 * online on /courier with a vehicle and a capacity, a fix every few hundred
 * wall milliseconds while moving (a keep-alive fix while idle), `offer:new`
 * answered with `offer:accept` or `offer:decline` after a human delay, the
 * server's `courier:deliveries` list as the only source of its jobs, arrivals
 * left to the hub's geofences, and picked up / cash collected / delivered
 * through the REST API.
 */
import type { Socket } from 'socket.io-client';
import type { Vehicle } from '../../geo/types.js';
import type { Api } from './client.js';
import { connect, emitAck } from './client.js';
import { sleepWall, type SimClock } from './clock.js';
import { advance, fixGapMs, nextStop, speedMpsOf, type CarriedJob, type Stop } from './movement.js';
import { answerOf, type Point } from './plan.js';

export interface OfferNew {
  offerId: string;
  deliveryId: string;
  orderId: string;
  pickup: Point;
  dropoff: Point;
  feeMinor: number;
  expiresAt: string;
}

interface Job {
  deliveryId: string;
  orderId: string;
  status: string;
  pickup: Point;
  dropoff: Point;
}

export interface CourierCounters {
  offers: number;
  accepts: number;
  declines: number;
  /** Refused answers by ack code (an offer that expired or went to someone else meanwhile). */
  refused: Record<string, number>;
  fixes: number;
  fixErrors: number;
  errors: string[];
}

export const newCounters = (): CourierCounters => ({ offers: 0, accepts: 0, declines: 0, refused: {}, fixes: 0, fixErrors: 0, errors: [] });

export interface CourierDeps {
  url: string;
  api: Api;
  clock: SimClock;
  seed: number;
  acceptProbability: number;
  /** Simulated seconds at each stop (parking, handing over). */
  stopS: number;
  /** The planned order behind a marketplace order id (undefined: not one of the day's). */
  orderIndexOf(orderId: string): number | undefined;
  /** Resolves once the order's store has marked it ready. */
  readyOf(orderId: string): Promise<void>;
  counters: CourierCounters;
}

const VEHICLE: Vehicle = 'motorbike';
const KEEPALIVE_MS = 5_000;
const ON_BOARD = new Set(['picked_up', 'at_dropoff']);
const ARRIVAL: Record<Stop['stop'], string> = { pickup: 'at_pickup', dropoff: 'at_dropoff' };
/** How long a courier keeps reporting its position at a stop for the geofence to record the arrival. */
const ARRIVAL_WAIT_MS = 15_000;

export class SimCourier {
  private socket: Socket | undefined;
  private at: Point;
  private jobs = new Map<string, Job>();
  private serving = false;
  private stopped = false;
  private lastFixWall = 0;
  private lastMoveWall = Date.now();
  private readonly attempts = new Map<number, number>();
  private loop: Promise<void> | undefined;
  private readonly gapMs: number;

  constructor(
    private readonly deps: CourierDeps,
    readonly index: number,
    readonly courierId: string,
    private readonly token: string,
    start: Point,
    readonly capacity: number,
  ) {
    this.at = { ...start };
    this.gapMs = fixGapMs(speedMpsOf(VEHICLE), deps.clock.compression);
  }

  async start(): Promise<void> {
    const socket = await connect(this.deps.url, '/courier', this.token);
    this.socket = socket;
    socket.on('offer:new', (p: OfferNew) => this.onOffer(p));
    socket.on('courier:deliveries', (p: { deliveries: Job[] }) => {
      this.jobs = new Map(p.deliveries.map((d) => [d.deliveryId, d]));
    });
    const online = await emitAck(socket, 'courier:online', { vehicle: VEHICLE, capacity: this.capacity });
    if (!online.ok) throw new Error(`courier ${this.index} online: ${online.code} ${online.message}`);
    await this.fix();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    if (this.socket?.connected) await emitAck(this.socket, 'courier:offline', {}).catch(() => undefined);
    this.socket?.close();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.tick();
      } catch (err) {
        this.note(err);
      }
      await sleepWall(this.gapMs);
    }
  }

  private carried(): CarriedJob[] {
    return [...this.jobs.values()].map((j) => ({ deliveryId: j.deliveryId, pickup: j.pickup, dropoff: j.dropoff, pickedUp: ON_BOARD.has(j.status) }));
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    const elapsedWallS = (now - this.lastMoveWall) / 1000;
    this.lastMoveWall = now;
    const target = this.serving ? null : nextStop(this.at, this.carried());
    if (!target) {
      if (now - this.lastFixWall >= KEEPALIVE_MS) await this.fix();
      return;
    }
    const step = advance(this.at, target.point, speedMpsOf(VEHICLE) * elapsedWallS * this.deps.clock.compression);
    this.at = step.at;
    await this.fix();
    if (step.arrived) {
      this.serving = true;
      void this.serve(target)
        .catch((err: unknown) => this.note(err))
        .finally(() => {
          this.serving = false;
          this.lastMoveWall = Date.now();
        });
    }
  }

  /** At a stop: the hub's geofence records the arrival, the courier parks and hands over, then tells the API. */
  private async serve(stop: Stop): Promise<void> {
    const job = this.jobs.get(stop.deliveryId);
    if (!job) return;
    const arrived = ARRIVAL[stop.stop];
    const deadline = Date.now() + ARRIVAL_WAIT_MS;
    while (this.jobs.get(stop.deliveryId)?.status !== arrived) {
      if (!this.jobs.has(stop.deliveryId)) return; // taken away meanwhile
      if (Date.now() > deadline) throw new Error(`courier ${this.index}: no ${arrived} for ${stop.deliveryId} after ${ARRIVAL_WAIT_MS} ms at the stop (status ${this.jobs.get(stop.deliveryId)?.status})`);
      await sleepWall(400);
      await this.fix();
    }
    const { api } = this.deps;
    await this.deps.clock.sleep(this.deps.stopS);
    if (stop.stop === 'pickup') {
      await this.deps.readyOf(job.orderId);
      const d = await api<{ status: string }>('picked up', `/deliveries/${job.deliveryId}/status`, { method: 'POST', token: this.token, json: { status: 'picked_up' } });
      this.setStatus(job.deliveryId, d.status);
    } else {
      await api('cash collected', `/orders/${job.orderId}/payment/cash-collected`, { method: 'POST', token: this.token, json: {} });
      const d = await api<{ status: string }>('delivered', `/deliveries/${job.deliveryId}/status`, { method: 'POST', token: this.token, json: { status: 'delivered' } });
      this.setStatus(job.deliveryId, d.status);
    }
  }

  /** What the API answered, until the hub's next list says otherwise (so the courier does not head back to a stop it just left). */
  private setStatus(deliveryId: string, status: string): void {
    const j = this.jobs.get(deliveryId);
    if (!j) return;
    if (status === 'delivered' || status === 'cancelled' || status === 'failed') this.jobs.delete(deliveryId);
    else this.jobs.set(deliveryId, { ...j, status });
  }

  private onOffer(p: OfferNew): void {
    const c = this.deps.counters;
    c.offers++;
    const order = this.deps.orderIndexOf(p.orderId) ?? -1;
    const attempt = (this.attempts.get(order) ?? 0) + 1;
    this.attempts.set(order, attempt);
    const answer = answerOf(this.deps.seed, this.deps.acceptProbability, this.index, order, attempt);
    setTimeout(() => {
      if (this.stopped || !this.socket) return;
      void emitAck(this.socket, answer.accept ? 'offer:accept' : 'offer:decline', { offerId: p.offerId })
        .then((ack) => {
          if (ack.ok) {
            if (answer.accept) c.accepts++;
            else c.declines++;
          } else c.refused[ack.code] = (c.refused[ack.code] ?? 0) + 1;
        })
        .catch((err: unknown) => this.note(err));
    }, this.deps.clock.wallMs(answer.delayS));
  }

  private async fix(): Promise<void> {
    if (!this.socket) return;
    this.lastFixWall = Date.now();
    const ack = await emitAck(this.socket, 'location', { lat: this.at.lat, lng: this.at.lng, ts: Date.now(), accuracy: 8 });
    const c = this.deps.counters;
    if (ack.ok && (ack as { accepted?: number }).accepted === 1) c.fixes++;
    else c.fixErrors++;
  }

  private note(err: unknown): void {
    const errors = this.deps.counters.errors;
    if (errors.length < 50) errors.push(err instanceof Error ? err.message : String(err));
  }
}
