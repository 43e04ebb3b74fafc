import { Client, TravelMode, type DistanceMatrixRequest } from '@googlemaps/google-maps-services-js';
import type { RoadEtaProvider } from '../../geo/eta.js';
import type { LatLng, Vehicle } from '../../geo/types.js';

export interface GoogleDistanceMatrixOptions {
  apiKey: string;
  /** Override the endpoint (tests point it at a local HTTP stub). */
  url?: string;
  /** Per-request axios timeout; the EtaService also bounds the call. */
  timeoutMs?: number;
  client?: Client;
}

const DEFAULT_URL = 'https://maps.googleapis.com/maps/api/distancematrix/json';

/** Distance Matrix has no motorbike mode; two-wheelers and vans are routed as driving. */
const MODE: Record<Vehicle, TravelMode> = {
  bike: TravelMode.bicycling,
  motorbike: TravelMode.driving,
  car: TravelMode.driving,
  van: TravelMode.driving,
};

/**
 * ETA layer (c): Google Distance Matrix behind the geo `RoadEtaProvider` port.
 * Any non-OK status or missing element throws; the EtaService turns that into
 * a fallback and counts it for its circuit breaker.
 */
export class GoogleDistanceMatrixProvider implements RoadEtaProvider {
  private readonly client: Client;

  constructor(private readonly opts: GoogleDistanceMatrixOptions) {
    this.client = opts.client ?? new Client({});
  }

  async roadEta(from: LatLng, to: LatLng, vehicle: Vehicle, { signal, departAtMs }: { signal: AbortSignal; departAtMs: number }): Promise<{ durationS: number; distanceM: number }> {
    const mode = MODE[vehicle];
    const request: DistanceMatrixRequest = {
      url: this.opts.url ?? DEFAULT_URL,
      timeout: this.opts.timeoutMs ?? 1_500,
      signal,
      params: {
        key: this.opts.apiKey,
        origins: [{ lat: from.lat, lng: from.lng }],
        destinations: [{ lat: to.lat, lng: to.lng }],
        mode,
        // traffic-aware durations need a departure time (driving only)
        ...(mode === TravelMode.driving ? { departure_time: Math.max(Math.ceil(departAtMs / 1000), Math.ceil(Date.now() / 1000)) } : {}),
      },
    };
    const res = await this.client.distancematrix(request);
    const el = res.data.rows?.[0]?.elements?.[0];
    if (res.data.status !== 'OK' || !el || el.status !== 'OK') {
      throw new Error(`distance matrix status ${res.data.status}/${el?.status ?? 'NO_ELEMENT'}`);
    }
    const duration = el.duration_in_traffic?.value ?? el.duration?.value;
    if (typeof duration !== 'number' || typeof el.distance?.value !== 'number') throw new Error('distance matrix element without duration/distance');
    return { durationS: duration, distanceM: el.distance.value };
  }
}

/** The provider when GOOGLE_MAPS_API_KEY is set, else undefined (the EtaService then uses layers b/a). */
export function googleRoadEtaFromEnv(env: NodeJS.ProcessEnv = process.env): GoogleDistanceMatrixProvider | undefined {
  const apiKey = env.GOOGLE_MAPS_API_KEY;
  return apiKey ? new GoogleDistanceMatrixProvider({ apiKey }) : undefined;
}
