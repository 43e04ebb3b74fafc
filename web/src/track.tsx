import { useEffect, useRef, useState } from 'preact/hooks';
import type { Feature, FeatureCollection } from 'geojson';
import { api, ask, liveSocket } from './api';
import { createLiveMap, emptyCollection, type LiveMap } from './map';
import { Header, SignedIn } from './shell';
import { duration, statusLabel, t, timeOf } from './i18n';
import { exposeForTests } from './test-hook';

interface Point { lat: number; lng: number }
interface Order { id: string; number: string; status: string; timeline: Record<string, string>; dropoff: { point: Point; label?: string; line?: string } }
interface Snapshot { deliveryId: string; status: string; timestamps: Record<string, string>; pickup: Point; dropoff: Point; position: (Point & { ts: number }) | null; lastSeenAt: string | null; stale: boolean; etaSeconds: number | null }
interface Fix extends Point { ts: number }

const ORDER_STEPS = ['placed', 'confirmed', 'preparing', 'ready_for_pickup'];
const DELIVERY_STEPS = ['assigned', 'at_pickup', 'picked_up', 'at_dropoff', 'delivered'];
const GLIDE_MS = 900;

const point = (p: Point, props: Record<string, unknown> = {}): Feature => ({ type: 'Feature', properties: props, geometry: { type: 'Point', coordinates: [p.lng, p.lat] } });

export function TrackPage(props: { orderId: string }) {
  return <SignedIn roles={['customer', 'store_owner', 'admin']} title={t('appName')}>{() => <Tracker orderId={props.orderId} />}</SignedIn>;
}

function Tracker({ orderId }: { orderId: string }) {
  const mapEl = useRef<HTMLDivElement>(null);
  const [order, setOrder] = useState<Order | null>(null);
  const [missing, setMissing] = useState(false);
  const [delivery, setDelivery] = useState<{ status: string; timestamps: Record<string, string> } | null>(null);
  const [eta, setEta] = useState<{ seconds: number; at: number } | null>(null);
  const [lastSeen, setLastSeen] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    const liveMap = createLiveMap(mapEl.current!, {
      center: { lat: 33.5138, lng: 36.2765 },
      zoom: 13,
      sources: ['places', 'trail', 'courier'],
      layers: [
        { id: 'trail', type: 'line', source: 'trail', paint: { 'line-color': '#0b5cad', 'line-width': 3, 'line-opacity': 0.6 } },
        { id: 'places', type: 'circle', source: 'places', paint: { 'circle-radius': 8, 'circle-color': ['match', ['get', 'kind'], 'store', '#dc6803', '#0b6e4f'], 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
        { id: 'courier', type: 'circle', source: 'courier', paint: { 'circle-radius': 9, 'circle-color': '#0b5cad', 'circle-stroke-color': '#fff', 'circle-stroke-width': 3 } },
      ],
    });
    const trail: Fix[] = [];
    const glide = new Glide(liveMap);
    const addFix = (f: Fix) => {
      if (trail.length && f.ts <= trail[trail.length - 1]!.ts) return;
      trail.push(f);
      liveMap.setData('trail', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: trail.map((p) => [p.lng, p.lat]) } }] });
      glide.to(f);
    };
    exposeForTests({ liveMap, trail: () => trail, courier: () => glide.shown });

    let stopped = false;
    const loadOrder = () =>
      api<Order>('GET', `/orders/${encodeURIComponent(orderId)}`).then(setOrder, () => setMissing(true));
    void loadOrder();

    let watching = false;
    const watch = async () => {
      try {
        const snap = await ask<Snapshot>(socket, 'order:watch', { orderId });
        watching = true;
        setDelivery({ status: snap.status, timestamps: snap.timestamps });
        liveMap.setData('places', { type: 'FeatureCollection', features: [point(snap.pickup, { kind: 'store' }), point(snap.dropoff, { kind: 'dropoff' })] });
        if (!trail.length) liveMap.fitPoints([snap.pickup, snap.dropoff]);
        if (snap.etaSeconds !== null) setEta({ seconds: snap.etaSeconds, at: Date.now() });
        setLastSeen(snap.stale ? snap.lastSeenAt : null);
        // Catch up on the fixes missed while away, then the live ones continue the line.
        const since = trail.length ? trail[trail.length - 1]!.ts + 1 : 0;
        const caught = await ask<{ fixes: Fix[] }>(socket, 'order:trail', { orderId, since });
        caught.fixes.forEach(addFix);
        if (snap.position) addFix(snap.position);
      } catch {
        // No delivery yet (the store has not accepted): the order's own status is read over REST until it has one.
        watching = false;
      }
    };
    const socket = liveSocket('/customer', () => void watch(), setLive);
    socket.on('courier:position', (p: Fix & { orderId: string; etaSeconds: number | null }) => {
      if (p.orderId !== orderId) return;
      addFix(p);
      setLastSeen(null);
      if (p.etaSeconds !== null) setEta({ seconds: p.etaSeconds, at: Date.now() });
    });
    socket.on('order:status', (e: { orderId: string; status: string; at: string }) => {
      if (e.orderId !== orderId) return;
      setDelivery((d) => ({ status: e.status, timestamps: { ...(d?.timestamps ?? {}), [e.status]: e.at } }));
    });
    socket.on('order:updated', (e: { orderId: string; status: string; at: string }) => {
      if (e.orderId !== orderId) return;
      setOrder((o) => (o ? { ...o, status: e.status, timeline: { ...o.timeline, [e.status]: e.at } } : o));
    });
    const tick = setInterval(() => setNow(Date.now()), 1000);
    const poll = setInterval(() => {
      if (watching || stopped) return;
      void loadOrder();
      if (socket.connected) void watch();
    }, 5000);
    return () => {
      stopped = true;
      clearInterval(tick);
      clearInterval(poll);
      socket.close();
      glide.stop();
      liveMap.remove();
    };
  }, [orderId]);

  const current = delivery && delivery.status !== 'pending' ? delivery.status : order?.status;
  const reached = { ...(order?.timeline ?? {}), ...(delivery?.timestamps ?? {}) };
  const steps = [...ORDER_STEPS, ...DELIVERY_STEPS];
  const remaining = eta ? eta.seconds - (now - eta.at) / 1000 : null;
  return (
    <>
      <Header title={order ? t('trackTitle', { number: order.number }) : t('appName')} live={live} />
      <main class="track">
        <div class="side card">
          {missing ? <p class="error">{t('notFound')}</p> : null}
          <p class="status" data-testid="status" data-status={current ?? ''}>
            {current ? statusLabel(current) : t('loading')}
          </p>
          <p class="eta" data-testid="eta" data-seconds={remaining === null ? '' : String(Math.max(0, Math.round(remaining)))}>
            {remaining === null ? t('etaUnknown') : t('eta', { time: duration(remaining) })}
          </p>
          {lastSeen ? <p class="muted">{t('lastSeen', { time: timeOf(lastSeen) })}</p> : null}
          <ol class="timeline">
            {steps.map((s) => (
              <li key={s} class={(reached[s] ? 'done' : '') + (s === current ? ' current' : '')}>
                {statusLabel(s)} {reached[s] ? <span class="muted">{timeOf(reached[s]!)}</span> : null}
              </li>
            ))}
          </ol>
          <p class="muted">
            <span class="dot store" /> {t('store')} · <span class="dot dropoff" /> {t('dropoff')}
            {order?.dropoff.line ? `: ${order.dropoff.line}` : ''}
          </p>
        </div>
        <div class="map-wrap">
          <div class="map" ref={mapEl} data-testid="map" />
        </div>
      </main>
    </>
  );
}

/** Moves the courier's dot from where it is shown to each new fix over a short glide, not in jumps. */
class Glide {
  shown: Point | null = null;
  private from: Point | null = null;
  private target: Point | null = null;
  private started = 0;
  private frame = 0;
  constructor(private readonly liveMap: LiveMap) {}
  to(p: Point): void {
    this.from = this.shown ?? p;
    this.target = { lat: p.lat, lng: p.lng };
    this.started = performance.now();
    if (!this.frame) this.frame = requestAnimationFrame(this.step);
  }
  stop(): void {
    cancelAnimationFrame(this.frame);
  }
  private step = (time: number): void => {
    const k = Math.min(1, (time - this.started) / GLIDE_MS);
    const e = k * (2 - k);
    this.shown = { lat: this.from!.lat + (this.target!.lat - this.from!.lat) * e, lng: this.from!.lng + (this.target!.lng - this.from!.lng) * e };
    const fc: FeatureCollection = emptyCollection();
    fc.features.push(point(this.shown));
    this.liveMap.setData('courier', fc);
    this.frame = k < 1 ? requestAnimationFrame(this.step) : 0;
  };
}
