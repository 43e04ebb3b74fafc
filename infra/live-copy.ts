import type { Logger } from 'pino';
import { createRedisClient, type RedisClient, type RedisTarget } from './redis.js';
import { subscribeChannel } from './redis-channels.js';

/**
 * The refresher behind each process's in-memory copies of stored data that
 * changes rarely and is read on every request (LiveSettings, LiveZones).
 *
 * A change commits, then its notice (`{"<idField>": …, "version": n}`) goes
 * out on Redis pub/sub and every process reloads within milliseconds; a poll
 * every `refreshMs` reloads too, so a notice lost while Redis was away costs
 * at most that long. Calls while a load runs share one more load after it, so
 * a notice arriving mid-read is never answered by the older read.
 */

/** What a copy needs from its process: wired in infra/wiring (one channel and one subscriber connection per copy). */
export interface LiveCopyDeps {
  /** A connection for pub/sub only; the copy owns it from `start` to `stop`. */
  subscriber: RedisClient;
  channel: string;
  /** The fallback: reload at least this often, so a lost notice costs at most this long. */
  refreshMs: number;
  logger: Logger;
}

/** `<prefix><name>:changed`: published after a change to that copy's data commits. */
export const changeChannel = (keyPrefix: string, name: string) => `${keyPrefix}${name}:changed`;

/** A copy's deps in a process: its own subscriber connection, its channel, its logger. */
export function liveCopyDeps(process: { redisTarget: RedisTarget; keyPrefix: string; logger: Logger }, name: string, refreshMs: number): LiveCopyDeps {
  return {
    subscriber: createRedisClient(process.redisTarget, 'subscriber', name),
    channel: changeChannel(process.keyPrefix, name),
    refreshMs,
    logger: process.logger.child({ component: `live-${name}` }),
  };
}

export interface ChangeNotice {
  type: 'changed';
  id: string;
  version: number;
}

export interface LiveCopyOptions {
  /** The notice's key naming what changed (`key` for a setting, `storeId` for a zone). */
  idField: string;
  /** Names the copy in log lines ("settings", "zone"). */
  what: string;
  /** Reads the stored data into the copy. */
  load: () => Promise<void>;
  /** Whether the copy already holds this version (its notice then costs nothing). */
  holds: (notice: ChangeNotice) => boolean;
}

export class LiveCopyRefresher {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  /** When the last load finished (ms since epoch); 0 before the first. */
  loadedAt = 0;

  constructor(
    private readonly deps: LiveCopyDeps,
    private readonly options: LiveCopyOptions,
  ) {}

  /** Loads once, then follows changes. Resolves when loaded and the subscription confirmed. */
  async start(): Promise<void> {
    await this.refresh();
    const { subscriber, channel, logger, refreshMs } = this.deps;
    await subscribeChannel(subscriber, channel, (m) => parseNotice(m, this.options.idField), (n) => this.onNotice(n), logger);
    this.timer = setInterval(() => void this.refresh().catch((err: unknown) => logger.warn({ err }, `${this.options.what} poll failed; kept the last copy`)), refreshMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    // The connection is ours alone: closing it is the unsubscribe, and it does not wait for a Redis that is away.
    this.deps.subscriber.disconnect();
    await this.running?.catch(() => undefined);
  }

  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.options.load();
        } while (this.again);
        this.loadedAt = Date.now();
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private onNotice(n: ChangeNotice): void {
    if (this.options.holds(n)) return;
    void this.refresh().catch((err: unknown) => this.deps.logger.warn({ err, [this.options.idField]: n.id }, `${this.options.what} reload after a change notice failed; the poll retries`));
  }
}

function parseNotice(message: string, idField: string): ChangeNotice | null {
  try {
    const m = JSON.parse(message) as Record<string, unknown>;
    const id = m[idField];
    return typeof id === 'string' && Number.isInteger(m.version) ? { type: 'changed', id, version: m.version as number } : null;
  } catch {
    return null;
  }
}

/** Tells every other process a change committed: fire and forget, since their poll covers a lost notice. */
export function publishChange(deps: { redis: RedisClient; channel: string; logger: Logger }, idField: string, id: string, version: number, what: string): void {
  deps.redis.publish(deps.channel, JSON.stringify({ [idField]: id, version })).catch((err: unknown) => {
    deps.logger.warn({ err, [idField]: id }, `could not publish the ${what} change notice; other processes pick it up at their next poll`);
  });
}
