import type { CourierMarkers, DrawnState } from './ops-markers';

export interface OpsCourier { courierId: string; lat: number; lng: number; status: 'available' | 'busy'; ts: number; stale: boolean }
export interface OpsSnapshot { at: string; areas: { cell: string; couriers: OpsCourier[]; counts: { online: number; available: number; busy: number; stale: number }; truncated: boolean }[] }

/** What the page's header and alerts show of the fleet: counts, and the few stalest couriers by name. */
export interface FleetSummary {
  online: number;
  available: number;
  busy: number;
  staleCount: number;
  /** Areas where the hub listed only its first couriers (per-area limit): zooming in shows the rest. */
  truncatedAreas: number;
  /** The stalest couriers first, at most STALE_LISTED. */
  stale: { courierId: string; silentS: number }[];
}

/** A courier not heard from for this long is drawn grey, whatever the last snapshot said. */
export const STALE_AFTER_MS = 30_000;
const STALE_LISTED = 20;

export const drawnState = (c: OpsCourier, now: number): DrawnState => (c.stale || now - c.ts > STALE_AFTER_MS ? 'stale' : c.status);

/**
 * The couriers layer, kept out of the page's component state. An `ops:snapshot` of 5,000 couriers
 * would otherwise re-render every list of the board once a second; here a snapshot only replaces a
 * Map, and the markers' array (`CourierMarkers`) is refilled once per animation frame however many
 * snapshots (or clock ticks, or selections) arrived since. The page hears a small summary, and only when it changed.
 * Each snapshot's handling and each frame's update are `performance.measure`d as `ops:apply`
 * (`npm run bench:board` reads them).
 */
export class FleetLayer {
  private couriers = new Map<string, OpsCourier>();
  private frame: number | null = null;
  private selected: string | null = null;
  private lastSummary = '';
  /** When the next courier drawn live would turn stale by the clock alone (no new snapshot). */
  private nextStaleAt = Number.POSITIVE_INFINITY;
  /** Snapshots applied since the page opened. */
  batches = 0;
  /** The last snapshot's areas, couriers in them (the hub's counts) and areas cut at the hub's per-area limit. */
  last = { areas: 0, counted: 0, truncated: 0 };

  constructor(
    private readonly markers: CourierMarkers,
    private readonly onSummary: (s: FleetSummary) => void,
  ) {}

  /** A snapshot replaces every courier shown: a courier gone offline is absent from it, so its marker goes. */
  replace(snap: OpsSnapshot, watched: ReadonlySet<string>): void {
    const t0 = performance.now();
    const next = new Map<string, OpsCourier>();
    for (const area of snap.areas) if (watched.has(area.cell)) for (const c of area.couriers) next.set(c.courierId, c);
    this.couriers = next;
    this.batches += 1;
    this.last = { areas: snap.areas.length, counted: snap.areas.reduce((n, a) => n + a.counts.online + a.counts.stale, 0), truncated: snap.areas.filter((a) => a.truncated).length };
    this.schedule();
    performance.measure('ops:apply', { start: t0, end: performance.now() });
  }

  clear(): void {
    this.couriers = new Map();
    this.last = { areas: 0, counted: 0, truncated: 0 };
    this.schedule();
  }

  select(courierId: string | null): void {
    if (courierId === this.selected) return;
    this.selected = courierId;
    this.schedule();
  }

  /**
   * The clock moved on: redraw only when a courier drawn live has now gone silent too long (between
   * snapshots, or when the hub's snapshots stop coming), so 5,000 markers are not re-sent for nothing.
   */
  tick(now: number): void {
    if (now >= this.nextStaleAt) this.schedule();
  }

  position(courierId: string): { lat: number; lng: number } | null {
    return this.couriers.get(courierId) ?? null;
  }

  private schedule(): void {
    if (this.frame !== null) return;
    // requestAnimationFrame pauses in a hidden tab: the data is still applied (a timer), the drawing waits.
    this.frame = document.hidden ? (setTimeout(() => this.flush(), 250) as unknown as number) : requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = null;
    const t0 = performance.now();
    const now = Date.now();
    let nextStaleAt = Number.POSITIVE_INFINITY;
    this.markers.reset(this.couriers.size);
    const summary: FleetSummary = { online: 0, available: 0, busy: 0, staleCount: 0, truncatedAreas: this.last.truncated, stale: [] };
    const stale: OpsCourier[] = [];
    for (const c of this.couriers.values()) {
      const state = drawnState(c, now);
      this.markers.add(c.courierId, c.lng, c.lat, state, c.courierId === this.selected);
      summary.online += 1;
      if (c.status === 'available') summary.available += 1;
      else summary.busy += 1;
      if (state === 'stale') stale.push(c);
      else nextStaleAt = Math.min(nextStaleAt, c.ts + STALE_AFTER_MS + 1);
    }
    this.nextStaleAt = nextStaleAt;
    summary.staleCount = stale.length;
    summary.stale = stale
      .sort((a, b) => a.ts - b.ts)
      .slice(0, STALE_LISTED)
      .map((c) => ({ courierId: c.courierId, silentS: Math.round((now - c.ts) / 1000) }));
    this.markers.commit();
    const key = JSON.stringify(summary);
    if (key !== this.lastSummary) {
      this.lastSummary = key;
      this.onSummary(summary);
    }
    performance.measure('ops:apply', { start: t0, end: performance.now() });
  }

  dispose(): void {
    if (this.frame !== null) {
      cancelAnimationFrame(this.frame);
      clearTimeout(this.frame);
    }
  }
}
