import { Client, type GeocodeRequest } from '@googlemaps/google-maps-services-js';
import { BrokenCircuitError, ConsecutiveBreaker, TaskCancelledError, TimeoutStrategy, circuitBreaker, handleAll, timeout, wrap, type CircuitBreakerPolicy, type IPolicy } from 'cockatiel';
import { serviceUnavailable, AppError } from '../../domain/shared/errors.js';
import type { GeocodedPoint, Geocoder } from '../../domain/catalog/ports.js';

export interface GoogleGeocoderOptions {
  apiKey: string;
  /** Override the endpoint (tests point it at a local HTTP stub). */
  url?: string;
  /** Per-call bound, aborting the request (default 2,000 ms): a customer is waiting on the form. */
  timeoutMs?: number;
  /** Consecutive failures that open the breaker, and how long it stays open before one trial call (default 5, 30 s). */
  breaker?: { failureThreshold: number; cooldownMs: number };
  /** ccTLD region bias, e.g. `sy`. */
  region?: string;
  /** Language of `formatted`, e.g. `ar`. */
  language?: string;
  client?: Client;
}

const DEFAULT_URL = 'https://maps.googleapis.com/maps/api/geocode/json';

type Reason = 'GEOCODER_QUOTA' | 'GEOCODER_DENIED' | 'GEOCODER_FAILED' | 'GEOCODER_TIMEOUT' | 'GEOCODER_UNAVAILABLE';
class GeocodeFailure extends Error {
  constructor(readonly reason: Reason, message: string) {
    super(message);
  }
}

/** The client maps Google's `status` to an HTTP status and rejects non-2xx; read both back. */
function classify(err: unknown): GeocodeFailure {
  if (err instanceof GeocodeFailure) return err;
  const res = (err as { response?: { status?: number; data?: { status?: string; error_message?: string } } }).response;
  const status = res?.data?.status ?? `HTTP ${res?.status ?? 'no response'}`;
  const why = `geocoding ${status}${res?.data?.error_message ? `: ${res.data.error_message}` : ''}`;
  if (res?.status === 429 || status === 'OVER_QUERY_LIMIT' || status === 'OVER_DAILY_LIMIT') return new GeocodeFailure('GEOCODER_QUOTA', why);
  if (res?.status === 403 || status === 'REQUEST_DENIED') return new GeocodeFailure('GEOCODER_DENIED', why);
  return new GeocodeFailure('GEOCODER_FAILED', why);
}

const MESSAGES: Record<Reason, string> = {
  GEOCODER_QUOTA: 'The geocoding service is over its quota; send the point of the address',
  GEOCODER_DENIED: 'The geocoding service refused our key; send the point of the address',
  GEOCODER_FAILED: 'The geocoding service failed; send the point of the address',
  GEOCODER_TIMEOUT: 'The geocoding service did not answer in time; send the point of the address',
  GEOCODER_UNAVAILABLE: 'The geocoding service is failing and is paused; send the point of the address',
};

const outage = (reason: Reason, cause: unknown): AppError => {
  const err = serviceUnavailable(MESSAGES[reason], cause);
  return new AppError(err.code, err.message, { cause, expose: true, details: [{ reason, field: 'line', message: MESSAGES[reason] }] });
};

/**
 * The Geocoder port on Google Geocoding. A call is bounded by a timeout that
 * aborts it, inside a circuit breaker (timeouts, quota, refusals and errors
 * count; "no match" does not), so an outage costs each customer at most one
 * timeout and then fails at once until a trial call succeeds. The client's own
 * retries are off: retrying a quota error only spends more quota.
 */
export class GoogleGeocoder implements Geocoder {
  private readonly client: Client;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly policy: IPolicy;

  constructor(private readonly opts: GoogleGeocoderOptions) {
    this.client = opts.client ?? new Client({});
    const { failureThreshold, cooldownMs } = opts.breaker ?? { failureThreshold: 5, cooldownMs: 30_000 };
    this.breaker = circuitBreaker(handleAll, { halfOpenAfter: cooldownMs, breaker: new ConsecutiveBreaker(failureThreshold) });
    this.policy = wrap(this.breaker, timeout(opts.timeoutMs ?? 2_000, TimeoutStrategy.Aggressive));
  }

  async geocode(line: string): Promise<GeocodedPoint | null> {
    try {
      return await this.policy.execute(({ signal }) => this.call(line, signal));
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw outage('GEOCODER_UNAVAILABLE', err);
      if (err instanceof TaskCancelledError) throw outage('GEOCODER_TIMEOUT', err);
      const failure = classify(err);
      throw outage(failure.reason, failure);
    }
  }

  private async call(line: string, signal: AbortSignal): Promise<GeocodedPoint | null> {
    const request: GeocodeRequest & { raxConfig: { retry: number; noResponseRetries: number } } = {
      url: this.opts.url ?? DEFAULT_URL,
      signal,
      raxConfig: { retry: 0, noResponseRetries: 0 },
      params: {
        key: this.opts.apiKey,
        address: line,
        ...(this.opts.region ? { region: this.opts.region } : {}),
        ...(this.opts.language ? { language: this.opts.language } : {}),
      },
    };
    let data;
    try {
      data = (await this.client.geocode(request)).data;
    } catch (err) {
      // INVALID_REQUEST: Google could not read the line at all, which is a no-match for the customer.
      if ((err as { response?: { data?: { status?: string } } }).response?.data?.status === 'INVALID_REQUEST') return null;
      throw classify(err);
    }
    if (data.status === 'ZERO_RESULTS') return null;
    const first = data.results?.[0];
    const at = first?.geometry?.location;
    if (data.status !== 'OK' || !first || typeof at?.lat !== 'number' || typeof at.lng !== 'number' || !Number.isFinite(at.lat) || !Number.isFinite(at.lng)) {
      throw new GeocodeFailure('GEOCODER_FAILED', `geocoding answered ${data.status} without a usable point`);
    }
    return { lat: at.lat, lng: at.lng, formatted: typeof first.formatted_address === 'string' ? first.formatted_address : line };
  }
}
