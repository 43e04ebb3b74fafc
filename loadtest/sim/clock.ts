/**
 * Simulated time: `compression` simulated seconds pass per wall-clock second.
 * The app itself runs on the wall clock; the simulation's people act on this
 * one (a store's 10-minute preparation is 10 × 60 / compression wall seconds).
 */
export class SimClock {
  readonly wall0 = Date.now();

  constructor(readonly compression: number) {
    if (!(compression >= 1)) throw new RangeError('compression must be at least 1');
  }

  /** Simulated seconds since the start. */
  nowS(): number {
    return ((Date.now() - this.wall0) * this.compression) / 1000;
  }

  /** Wall-clock milliseconds that `simS` simulated seconds take. */
  wallMs(simS: number): number {
    return (simS * 1000) / this.compression;
  }

  sleep(simS: number): Promise<void> {
    return new Promise((r) => setTimeout(r, Math.max(0, this.wallMs(simS))));
  }

  /** Until simulated second `simS` of the day. */
  until(simS: number): Promise<void> {
    return this.sleep(simS - this.nowS());
  }
}

export const sleepWall = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
