import { useEffect, useRef, useState } from 'preact/hooks';
import { cellToBoundary, polygonToCellsExperimental, POLYGON_TO_CELLS_FLAGS } from 'h3-js';
import type { Feature } from 'geojson';
import type { Socket } from 'socket.io-client';
import { api, ask, liveSocket } from './api';
import { createLiveMap, type LiveMap } from './map';
import { Header, SignedIn } from './shell';
import { t } from './i18n';
import { exposeForTests } from './test-hook';
import { ACTIVE, alertsOf, arrivalsOf, kpisOf, zoneRing, type Delivery, type DispatchFigures, type PendingOffer, type ServerEta } from './ops-model';
import { FleetLayer, type FleetSummary, type OpsSnapshot } from './ops-fleet';
import { CourierMarkers } from './ops-markers';
import { ActionBar, AlertList, DeliveryLists, Kpi, type ActionOutcome } from './ops-lists';
import { runBulk, type BulkAction } from './ops-actions';

const MAX_CELLS = 50;
/** Cash limits and the dispatch figures change slowly: re-read this often (and after every action). */
const SLOW_READ_MS = 30_000;
/** Below this zoom the board draws no zones in view (a country's worth of stores); the listed deliveries' stores still show. */
const ZONES_MIN_ZOOM = 9;

type ZoneItem = { storeId: string; zone: Parameters<typeof zoneRing>[0] };
/** Draws zones on the map, one feature per store (a zone read again replaces its old shape). */
function drawZones(liveMap: LiveMap, items: ZoneItem[]): void {
  if (!items.length) return;
  const fresh = new Set(items.map((z) => z.storeId));
  const kept = liveMap.data('zones').features.filter((f) => !fresh.has(String(f.properties?.storeId)));
  const added = items.map((z) => ({ type: 'Feature' as const, properties: { storeId: z.storeId }, geometry: { type: 'Polygon' as const, coordinates: zoneRing(z.zone) } }));
  liveMap.setData('zones', { type: 'FeatureCollection', features: [...kept, ...added] });
}

/** Delivery ids per ETA read (the route's limit). */
const ETAS_PER_READ = 100;
/** `dispatch.promiseMinutes` when the setting cannot be read (its default). */
const DEFAULT_PROMISE_MINUTES = 45;

const pointFeature = (p: { lat: number; lng: number }, props: Record<string, unknown>): Feature => ({ type: 'Feature', properties: props, geometry: { type: 'Point', coordinates: [p.lng, p.lat] } });

/**
 * The H3 cells (res 5 zoomed out, 6 zoomed in) that overlap the view, at most MAX_CELLS. Overlap, not
 * centre-inside: a cell whose centre is off screen still has couriers in the visible corner.
 */
export function cellsForView(bounds: [number, number, number, number], zoom: number): string[] {
  const [w, s, e, n] = bounds;
  const ring = [[s, w], [s, e], [n, e], [n, w], [s, w]];
  const cover = (res: number) => polygonToCellsExperimental(ring, res, POLYGON_TO_CELLS_FLAGS.containmentOverlapping);
  for (const res of zoom >= 11 ? [6, 5] : [5]) {
    const cells = cover(res);
    if (cells.length > 0 && cells.length <= MAX_CELLS) return cells;
  }
  // A view larger than 50 res-5 cells: the first 50 only.
  return cover(5).slice(0, MAX_CELLS);
}

export function OpsPage() {
  return <SignedIn roles={['admin']} title={t('opsTitle')}>{() => <Board />}</SignedIn>;
}

/** An offer event on /ops (the dispatch context's `dispatch.offer.made` / `dispatch.offer.ended`). */
interface OfferEvent { type: string; offerId: string; deliveryId: string; courierId: string; expiresAt?: string }

function Board() {
  const mapEl = useRef<HTMLDivElement>(null);
  const [live, setLive] = useState(false);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [fleet, setFleet] = useState<FleetSummary>({ online: 0, available: 0, busy: 0, staleCount: 0, truncatedAreas: 0, stale: [] });
  const [offers, setOffers] = useState<Map<string, PendingOffer>>(new Map());
  const [overCash, setOverCash] = useState<Set<string>>(new Set());
  const [figures, setFigures] = useState<DispatchFigures | null>(null);
  const [arrivals, setArrivals] = useState<Map<string, { status: string; arriveAt: number }>>(new Map());
  const [promiseMinutes, setPromiseMinutes] = useState(DEFAULT_PROMISE_MINUTES);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null);
  const [now, setNow] = useState(Date.now());
  const mapRef = useRef<LiveMap | null>(null);
  const fleetRef = useRef<FleetLayer | null>(null);
  const deliveriesRef = useRef<Delivery[]>([]);
  const zonesRead = useRef(new Set<string>());

  const loadDeliveries = async () => {
    const page = await api<{ items: Delivery[] }>('GET', '/deliveries?limit=100');
    deliveriesRef.current = page.items;
    setDeliveries(page.items);
  };
  /** Couriers carrying listed deliveries: the ones whose cash matters to the next assignment. */
  const loadSlow = async () => {
    const ids = [...new Set(deliveriesRef.current.flatMap((d) => (d.courierId && ACTIVE.has(d.status) ? [d.courierId] : [])))].slice(0, 200);
    const [cash, stats] = await Promise.allSettled([
      ids.length ? api<{ items: { courierId: string }[] }>('GET', `/couriers/over-cash-limit?ids=${ids.map(encodeURIComponent).join(',')}`) : Promise.resolve({ items: [] }),
      api<{ timeToAssign: { p90S: number | null }; onTimePct: number | null }>('GET', '/dispatch/stats?windowMinutes=60'),
    ]);
    if (cash.status === 'fulfilled') setOverCash(new Set(cash.value.items.map((x) => x.courierId)));
    if (stats.status === 'fulfilled') setFigures({ assignP90S: stats.value.timeToAssign.p90S, onTimePct: stats.value.onTimePct });
    await loadEtas();
  };
  /** The server's ETAs of the open deliveries listed (the late alert), ETAS_PER_READ at a time. */
  const loadEtas = async () => {
    const open = deliveriesRef.current.filter((d) => d.status === 'pending' || ACTIVE.has(d.status)).map((d) => d.id);
    const read: ServerEta[] = [];
    for (let i = 0; i < open.length; i += ETAS_PER_READ) {
      const page = await api<{ items: ServerEta[] }>('GET', `/dispatch/etas?deliveryIds=${open.slice(i, i + ETAS_PER_READ).map(encodeURIComponent).join(',')}`).catch(() => null);
      if (page) read.push(...page.items);
    }
    setArrivals(arrivalsOf(read));
  };

  useEffect(() => {
    // The couriers are a custom layer drawn from one typed array, not a GeoJSON source (see CourierMarkers).
    const markers = new CourierMarkers('couriers');
    const liveMap = createLiveMap(mapEl.current!, {
      center: { lat: 33.5138, lng: 36.2765 },
      zoom: 12,
      sources: ['zones', 'cells', 'highlight'],
      layers: [
        { id: 'zones', type: 'fill', source: 'zones', paint: { 'fill-color': '#0b6e4f', 'fill-opacity': 0.08, 'fill-outline-color': '#0b6e4f' } },
        { id: 'cells', type: 'line', source: 'cells', paint: { 'line-color': '#9aa5b1', 'line-width': 1 } },
        { id: 'highlight', type: 'circle', source: 'highlight', paint: { 'circle-radius': 10, 'circle-color': ['match', ['get', 'kind'], 'pickup', '#dc6803', 'dropoff', '#0b6e4f', '#7a5af8'], 'circle-stroke-color': '#111', 'circle-stroke-width': 2 } },
        markers,
      ],
    });
    mapRef.current = liveMap;
    const fleetLayer = new FleetLayer(markers, setFleet);
    fleetRef.current = fleetLayer;
    let cells: string[] = [];
    /** Offers whose end was heard since the connection: a read answered after the end must not bring them back. */
    const endedSinceConnect = new Set<string>();
    /** The offers pending when the board (re)connects; `offer:event` keeps the list from then on. */
    const loadPendingOffers = async () => {
      const page = await api<{ items: (Omit<PendingOffer, 'expiresAt'> & { expiresAt: string })[] }>('GET', '/dispatch/offers?status=pending&limit=100');
      setOffers((prev) => {
        const next = new Map(prev);
        for (const o of page.items) if (!endedSinceConnect.has(o.offerId) && !next.has(o.offerId)) next.set(o.offerId, { offerId: o.offerId, deliveryId: o.deliveryId, courierId: o.courierId, expiresAt: Date.parse(o.expiresAt) });
        return next;
      });
    };
    const subscribe = async (socket: Socket) => {
      const { bounds, zoom } = liveMap.view();
      const next = cellsForView(bounds, zoom);
      const gone = cells.filter((c) => !next.includes(c));
      if (gone.length) await ask(socket, 'ops:unsubscribe', { cells: gone }).catch(() => undefined);
      cells = next;
      await ask(socket, 'ops:subscribe', { cells });
      liveMap.setData('cells', { type: 'FeatureCollection', features: cells.map((c) => ({ type: 'Feature', properties: { cell: c }, geometry: { type: 'Polygon', coordinates: [cellToBoundary(c, true)] } })) });
    };
    const socket = liveSocket(
      '/ops',
      (s) => {
        // After any (re)connection the server is the truth: forget every marker and offer until it says again.
        fleetLayer.clear();
        setOffers(new Map());
        endedSinceConnect.clear();
        cells = [];
        void subscribe(s).catch(() => undefined);
        void loadDeliveries().then(loadSlow).catch(() => undefined);
        void loadPendingOffers().catch(() => undefined);
      },
      setLive,
    );
    socket.on('disconnect', () => fleetLayer.clear());
    socket.on('ops:snapshot', (snap: OpsSnapshot) => fleetLayer.replace(snap, new Set(cells)));
    let pending: ReturnType<typeof setTimeout> | undefined;
    socket.on('delivery:event', () => {
      clearTimeout(pending);
      pending = setTimeout(() => void loadDeliveries().catch(() => undefined), 200);
    });
    socket.on('offer:event', (e: OfferEvent) => {
      if (!e.type.endsWith('.made')) endedSinceConnect.add(e.offerId);
      setOffers((prev) => {
        const next = new Map(prev);
        if (e.type.endsWith('.made') && e.expiresAt) next.set(e.offerId, { offerId: e.offerId, deliveryId: e.deliveryId, courierId: e.courierId, expiresAt: Date.parse(e.expiresAt) });
        else next.delete(e.offerId);
        return next;
      });
    });
    liveMap.onViewChange(() => socket.connected && void subscribe(socket).catch(() => undefined));
    // Every store's zone in view, read again as the view moves (zoomed in enough to be a city, not a country).
    let zonesTimer: ReturnType<typeof setTimeout> | undefined;
    const zonesInView = () => {
      clearTimeout(zonesTimer);
      zonesTimer = setTimeout(() => {
        const { bounds, zoom } = liveMap.view();
        if (zoom < ZONES_MIN_ZOOM) return;
        void api<{ items: ZoneItem[] }>('GET', `/admin/store-zones?bbox=${bounds.map((x) => x.toFixed(5)).join(',')}`).then((page) => drawZones(liveMap, page.items), () => undefined);
      }, 300);
    };
    liveMap.onViewChange(zonesInView);
    zonesInView();
    void api<{ value: number }>('GET', '/admin/settings/dispatch.promiseMinutes').then((s) => setPromiseMinutes(s.value), () => undefined);
    const tick = setInterval(() => {
      setNow(Date.now());
      fleetLayer.tick(Date.now());
    }, 1000);
    const slow = setInterval(() => void loadSlow().catch(() => undefined), SLOW_READ_MS);
    exposeForTests({ liveMap, markers, socket, cells: () => cells, batches: () => fleetLayer.batches, lastSnapshot: () => fleetLayer.last, reloadSlow: loadSlow });
    return () => {
      clearInterval(tick);
      clearInterval(slow);
      clearTimeout(zonesTimer);
      fleetLayer.dispose();
      socket.close();
      liveMap.remove();
    };
  }, []);

  // The zones of the stores on the board, read once per store (drawn on the offline style as on a tiled one);
  // the zones in view are read as the view moves (drawZones).
  useEffect(() => {
    const stores = [...new Set(deliveries.map((d) => d.storeId))].filter((id) => !zonesRead.current.has(id)).slice(0, 50);
    if (!stores.length) return;
    stores.forEach((id) => zonesRead.current.add(id));
    void api<{ items: ZoneItem[] }>('GET', `/admin/store-zones?storeIds=${stores.map(encodeURIComponent).join(',')}`).then(
      (page) => mapRef.current && drawZones(mapRef.current, page.items),
      () => stores.forEach((id) => zonesRead.current.delete(id)),
    );
  }, [deliveries]);

  const selectedDeliveries = deliveries.filter((d) => selected.has(d.id));
  const focus = selectedDeliveries.length === 1 ? selectedDeliveries[0]! : null;

  // The selected delivery's pickup, dropoff and courier, together (the couriers layer redraws itself).
  useEffect(() => {
    fleetRef.current?.select(focus?.courierId ?? null);
    mapRef.current?.setData('highlight', { type: 'FeatureCollection', features: focus ? [pointFeature(focus.pickup, { kind: 'pickup' }), pointFeature(focus.dropoff, { kind: 'dropoff' })] : [] });
  }, [focus?.id, focus?.courierId]);

  const run = async (action: BulkAction, courierId: string, reason: string) => {
    setOutcome(await runBulk(action, selectedDeliveries, courierId, reason));
    setSelected(new Set());
    await loadDeliveries();
    await loadSlow().catch(() => undefined);
  };

  const local = kpisOf(deliveries, fleet, now, promiseMinutes);
  // On time: dispatch's figure over the last hour; until it has one, the listed deliveries'.
  const onTimePct = figures?.onTimePct ?? local.onTimePct;
  const medianAssignS = local.medianAssignS;
  const statusOf = new Map(deliveries.map((d) => [d.id, d.status]));
  const arrivalOf = (id: string) => {
    const a = arrivals.get(id);
    return a && a.status === statusOf.get(id) ? a.arriveAt : null; // computed for another leg: the board's own until the next read
  };
  const alerts = alertsOf({ deliveries, positionOf: (id) => fleetRef.current?.position(id) ?? null, offers: [...offers.values()], overCash, stale: fleet.stale, promiseMinutes, now, arrivalOf });
  const toggle = (id: string) => setSelected((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));

  return (
    <>
      <Header title={t('opsTitle')} live={live}>
        <Kpi label={t('kpiOnline')} value={local.online} id="online" />
        <Kpi label={t('kpiAvailable')} value={local.available} id="available" />
        <Kpi label={t('kpiBusy')} value={local.busy} id="busy" />
        <Kpi label={t('kpiPerHour')} value={local.perHour} id="per-hour" />
        <Kpi label={t('kpiMedianAssign')} value={medianAssignS === null ? '—' : `${Math.round(medianAssignS)} s`} id="median-assign" />
        <Kpi label={t('kpiAssignP90')} value={figures?.assignP90S == null ? '—' : `${Math.round(figures.assignP90S)} s`} id="assign-p90" />
        <Kpi label={t('kpiOnTime')} value={onTimePct === null ? '—' : `${onTimePct} %`} id="on-time" />
      </Header>
      <main class="ops">
        <div class="map" ref={mapEl} data-testid="map" />
        <div class="lists">
          <ActionBar selected={selectedDeliveries} onRun={run} outcome={outcome} />
          <AlertList alerts={alerts} staleCount={fleet.staleCount} truncatedAreas={fleet.truncatedAreas} onSelect={(id) => setSelected(new Set([id]))} />
          <DeliveryLists deliveries={deliveries} selected={selected} toggle={toggle} now={now} promiseMinutes={promiseMinutes} />
        </div>
      </main>
    </>
  );
}
