import * as maplibregl from 'maplibre-gl';
import type { CustomLayerInterface, LayerSpecification, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { FeatureCollection } from 'geojson';

// The worker is served from our origin (hashed asset), so the CSP needs no blob: or outside script host.
maplibregl.setWorkerUrl(workerUrl);

export const emptyCollection = (): FeatureCollection => ({ type: 'FeatureCollection', features: [] });

/** MAP_STYLE_URL, handed to the page by the server in a meta tag; empty: the offline style. */
export function mapStyleUrl(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="daraa-map-style"]')?.content ?? '';
}

/** No tiles at all: a plain background, on which the pages draw zones, H3 cells and points. */
export const offlineStyle = (): StyleSpecification => ({
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0f2' } }],
});

export interface LiveMap {
  /** Null when the browser has no WebGL: the page still keeps every source's data and its lists. */
  map: MapLibreMap | null;
  setData(source: string, data: FeatureCollection): void;
  data(source: string): FeatureCollection;
  /** The visible area, [west, south, east, north], and the zoom. */
  view(): { bounds: [number, number, number, number]; zoom: number };
  onViewChange(handler: () => void): void;
  fitPoints(points: { lat: number; lng: number }[]): void;
  remove(): void;
}

/**
 * A MapLibre map whose GeoJSON sources are declared up front and fed with `setData` before or after the
 * style loads. Each source's latest data is also kept here, so the lists and the map never disagree.
 */
export function createLiveMap(
  container: HTMLElement,
  opts: { center: { lat: number; lng: number }; zoom: number; sources: string[]; layers: (LayerSpecification | CustomLayerInterface)[] },
): LiveMap {
  const data = new Map<string, FeatureCollection>(opts.sources.map((s) => [s, emptyCollection()]));
  let map: MapLibreMap | null = null;
  let loaded = false;
  let fallbackView = { bounds: boundsAround(opts.center, opts.zoom, container), zoom: opts.zoom };
  try {
    const m = new maplibregl.Map({ container, style: mapStyleUrl() || offlineStyle(), center: [opts.center.lng, opts.center.lat], zoom: opts.zoom, attributionControl: { compact: true } });
    m.addControl(new maplibregl.NavigationControl({ showCompass: false }));
    m.on('load', () => {
      for (const [id, fc] of data) m.addSource(id, { type: 'geojson', data: fc });
      for (const layer of opts.layers) m.addLayer(layer);
      loaded = true;
    });
    map = m;
  } catch (err) {
    console.warn('map unavailable (no WebGL?)', err);
    map = null;
  }
  const viewHandlers: (() => void)[] = [];
  map?.on('moveend', () => viewHandlers.forEach((h) => h()));
  return {
    map,
    setData(source, fc) {
      data.set(source, fc);
      if (map && loaded) void (map.getSource(source) as maplibregl.GeoJSONSource | undefined)?.setData(fc);
    },
    data: (source) => data.get(source) ?? emptyCollection(),
    view() {
      if (!map) return fallbackView;
      const b = map.getBounds();
      return { bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom: map.getZoom() };
    },
    onViewChange: (h) => void viewHandlers.push(h),
    fitPoints(points) {
      if (points.length === 0) return;
      const lngs = points.map((p) => p.lng);
      const lats = points.map((p) => p.lat);
      const box: [number, number, number, number] = [Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)];
      if (map) map.fitBounds(box, { padding: 60, maxZoom: 15, duration: 0 });
      else {
        fallbackView = { bounds: box, zoom: fallbackView.zoom };
        viewHandlers.forEach((h) => h());
      }
    },
    remove: () => map?.remove(),
  };
}

/** The area a map of this size would show, for browsers without WebGL. */
function boundsAround(c: { lat: number; lng: number }, zoom: number, el: HTMLElement): [number, number, number, number] {
  const degPerPx = 360 / (256 * 2 ** zoom);
  const w = ((el.clientWidth || 800) / 2) * degPerPx;
  const h = ((el.clientHeight || 600) / 2) * degPerPx * Math.cos((c.lat * Math.PI) / 180);
  return [c.lng - w, c.lat - h, c.lng + w, c.lat + h];
}
