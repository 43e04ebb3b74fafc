/**
 * A minimal circuit breaker for the road-ETA provider: after `failureThreshold`
 * consecutive failures it opens for `cooldownMs`, then lets one trial call
 * through (half-open); success closes it, failure re-opens it.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly opts: { failureThreshold: number; cooldownMs: number; clock: () => number } = { failureThreshold: 5, cooldownMs: 30_000, clock: Date.now },
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === null) return 'closed';
    return this.opts.clock() - this.openedAt >= this.opts.cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a call may go out now. In half-open state only one trial at a time. */
  canRequest(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.openedAt !== null || this.failures >= this.opts.failureThreshold) this.openedAt = this.opts.clock();
  }
}
