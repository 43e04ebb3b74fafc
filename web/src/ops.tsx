import { useEffect, useRef, useState } from 'preact/hooks';
import { cellToBoundary, polygonToCells } from 'h3-js';
import type { Feature } from 'geojson';
import type { Socket } from 'socket.io-client';
import { api, ask, liveSocket } from './api';
import { createLiveMap, type LiveMap } from './map';
import { Header, SignedIn } from './shell';
import { statusLabel, t, timeOf } from './i18n';
import { exposeForTests } from './test-hook';
import { kpisOf, type Delivery } from './ops-model';
import { FleetLayer, type FleetSummary, type OpsSnapshot } from './ops-fleet';

const MAX_CELLS = 50;
const ACTIVE = new Set(['assigned', 'at_pickup', 'picked_up', 'at_dropoff']);

const pointFeature = (p: { lat: number; lng: number }, props: Record<string, unknown>): Feature => ({ type: 'Feature', properties: props, geometry: { type: 'Point', coordinates: [p.lng, p.lat] } });

/** The H3 cells (res 5 zoomed out, 6 zoomed in) covering the view, at most MAX_CELLS. */
export function cellsForView(bounds: [number, number, number, number], zoom: number): string[] {
  const [w, s, e, n] = bounds;
  const ring = [[s, w], [s, e], [n, e], [n, w], [s, w]];
  for (const res of zoom >= 11 ? [6, 5] : [5]) {
    const cells = polygonToCells(ring, res);
    if (cells.length > 0 && cells.length <= MAX_CELLS) return cells;
  }
  // A view larger than 50 res-5 cells: the centre's cells only.
  return polygonToCells(ring, 5).slice(0, MAX_CELLS);
}

export function OpsPage() {
  return <SignedIn roles={['admin']} title={t('opsTitle')}>{() => <Board />}</SignedIn>;
}

function Board() {
  const mapEl = useRef<HTMLDivElement>(null);
  const [live, setLive] = useState(false);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [fleet, setFleet] = useState<FleetSummary>({ online: 0, available: 0, busy: 0, staleCount: 0, stale: [] });
  const fleetRef = useRef<FleetLayer | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [courierId, setCourierId] = useState('');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState('');
  const [now, setNow] = useState(Date.now());
  const mapRef = useRef<LiveMap | null>(null);

  const loadDeliveries = async () => {
    const page = await api<{ items: Delivery[] }>('GET', '/deliveries?limit=100');
    setDeliveries(page.items);
  };

  useEffect(() => {
    const liveMap = createLiveMap(mapEl.current!, {
      center: { lat: 33.5138, lng: 36.2765 },
      zoom: 12,
      sources: ['cells', 'highlight', 'couriers'],
      layers: [
        { id: 'cells', type: 'line', source: 'cells', paint: { 'line-color': '#9aa5b1', 'line-width': 1 } },
        { id: 'highlight', type: 'circle', source: 'highlight', paint: { 'circle-radius': 10, 'circle-color': ['match', ['get', 'kind'], 'pickup', '#dc6803', 'dropoff', '#0b6e4f', '#7a5af8'], 'circle-stroke-color': '#111', 'circle-stroke-width': 2 } },
        { id: 'couriers', type: 'circle', source: 'couriers', paint: { 'circle-radius': ['case', ['get', 'selected'], 9, 6], 'circle-color': ['match', ['get', 'state'], 'available', '#12b76a', 'busy', '#0b5cad', '#98a2b3'], 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } },
      ],
    });
    mapRef.current = liveMap;
    const fleetLayer = new FleetLayer(liveMap, setFleet);
    fleetRef.current = fleetLayer;
    let cells: string[] = [];
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
        // After any (re)connection the server is the truth: forget every marker until its snapshot arrives.
        fleetLayer.clear();
        cells = [];
        void subscribe(s).catch(() => undefined);
        void loadDeliveries().catch(() => undefined);
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
    liveMap.onViewChange(() => socket.connected && void subscribe(socket).catch(() => undefined));
    const tick = setInterval(() => {
      setNow(Date.now());
      fleetLayer.tick(Date.now());
    }, 1000);
    exposeForTests({ liveMap, socket, cells: () => cells, batches: () => fleetLayer.batches });
    return () => {
      clearInterval(tick);
      fleetLayer.dispose();
      socket.close();
      liveMap.remove();
    };
  }, []);

  const selectedDeliveries = deliveries.filter((d) => selected.has(d.id));
  const focus = selectedDeliveries.length === 1 ? selectedDeliveries[0]! : null;

  // The selected delivery's pickup, dropoff and courier, together (the couriers layer redraws itself).
  useEffect(() => {
    fleetRef.current?.select(focus?.courierId ?? null);
    mapRef.current?.setData('highlight', { type: 'FeatureCollection', features: focus ? [pointFeature(focus.pickup, { kind: 'pickup' }), pointFeature(focus.dropoff, { kind: 'dropoff' })] : [] });
  }, [focus?.id, focus?.courierId]);

  const run = async (action: 'assign' | 'unassign') => {
    const label = t(action);
    const results = await Promise.allSettled(
      selectedDeliveries.map((d) => (action === 'assign' ? api('POST', `/deliveries/${d.id}/assign`, { courierId: courierId.trim() }) : api('POST', `/deliveries/${d.id}/status`, { status: 'pending', reason: reason.trim() }))),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    setMessage(failed ? t('actionFailed', { action: label, message: (failed.reason as Error).message }) : t('actionDone', { action: label, count: results.length }));
    setSelected(new Set());
    await loadDeliveries();
  };

  const unassigned = deliveries.filter((d) => d.status === 'pending');
  const active = deliveries.filter((d) => ACTIVE.has(d.status));
  const byCourier = new Map<string, Delivery[]>();
  for (const d of active) byCourier.set(d.courierId ?? '?', [...(byCourier.get(d.courierId ?? '?') ?? []), d]);
  const kpis = kpisOf(deliveries, fleet, now);
  const toggle = (id: string) => setSelected((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));
  const row = (d: Delivery) => (
    <li key={d.id} class={selected.has(d.id) ? 'selected' : ''} data-testid={`delivery-${d.id}`} data-status={d.status}>
      <input type="checkbox" checked={selected.has(d.id)} onChange={() => toggle(d.id)} aria-label={d.id} />
      <span class="who" onClick={() => toggle(d.id)}>
        {d.orderId.slice(-10)} · {statusLabel(d.status)}
      </span>
      <span class="muted">{t('age', { minutes: Math.max(0, Math.round((now - Date.parse(d.createdAt)) / 60_000)) })}</span>
    </li>
  );

  return (
    <>
      <Header title={t('opsTitle')} live={live}>
        <Kpi label={t('kpiOnline')} value={kpis.online} id="online" />
        <Kpi label={t('kpiAvailable')} value={kpis.available} id="available" />
        <Kpi label={t('kpiBusy')} value={kpis.busy} id="busy" />
        <Kpi label={t('kpiPerHour')} value={kpis.perHour} id="per-hour" />
        <Kpi label={t('kpiMedianAssign')} value={kpis.medianAssignS === null ? '—' : `${Math.round(kpis.medianAssignS)} s`} id="median-assign" />
      </Header>
      <main class="ops">
        <div class="map" ref={mapEl} data-testid="map" />
        <div class="lists">
          <section class="actionbar">
            <span>{t('selected', { count: selected.size })}</span>
            <input placeholder={t('courierId')} value={courierId} onInput={(e) => setCourierId((e.target as HTMLInputElement).value)} data-field="courier" />
            <input placeholder={t('reason')} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} data-field="reason" />
            <button type="button" class="primary" data-action="assign" disabled={!selected.size || !courierId.trim() || reason.trim().length < 3} onClick={() => void run('assign')}>
              {selectedDeliveries.some((d) => d.courierId) ? t('reassign') : t('assign')}
            </button>
            <button type="button" data-action="unassign" disabled={!selected.size || reason.trim().length < 3} onClick={() => void run('unassign')}>
              {t('unassign')}
            </button>
            {message ? <span class="muted" data-testid="action-result">{message}</span> : null}
          </section>
          <section>
            <h2>{t('alerts')}</h2>
            <ul data-testid="alerts">
              {fleet.stale.map((c) => (
                <li key={c.courierId}>{t('alertStale', { id: c.courierId.slice(-6), seconds: c.silentS })}</li>
              ))}
            </ul>
          </section>
          <section>
            <h2>{t('unassigned')}</h2>
            <ul data-testid="unassigned">{unassigned.length ? unassigned.map(row) : <li class="muted">{t('noDeliveries')}</li>}</ul>
          </section>
          <section>
            <h2>{t('active')}</h2>
            {[...byCourier].map(([cid, list]) => (
              <div key={cid}>
                <b>{cid.slice(-8)}</b>
                <ul>{list.map(row)}</ul>
              </div>
            ))}
            {focus?.timestamps.assigned ? <p class="muted">{timeOf(focus.timestamps.assigned)}</p> : null}
          </section>
        </div>
      </main>
    </>
  );
}

function Kpi(props: { label: string; value: string | number; id: string }) {
  return (
    <span class="kpi" data-testid={`kpi-${props.id}`}>
      {props.label}
      <b>{props.value}</b>
    </span>
  );
}
