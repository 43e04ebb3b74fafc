import { Queue, Worker, type Job, type JobsOptions, type Processor } from 'bullmq';
import { TimeoutStrategy, timeout } from 'cockatiel';
import type { Logger } from 'pino';
import { AppError, serviceUnavailable } from '../domain/shared/errors.js';
import { JOB_SCHEMAS, type JobPayloads, type QueueName } from '../workers/queues.js';
import type { Metrics } from './metrics.js';
import { createRedisClient, type RedisClient, type RedisTarget } from './redis.js';

/** Hash-tagged per queue, so every key of one queue lives in one Redis Cluster slot. */
export const queuePrefix = (keyPrefix: string, name: QueueName) => `{${keyPrefix}${name}}`;

const addTimeout = timeout(2_000, TimeoutStrategy.Aggressive);
const STARTUP_WAIT_MS = 10_000;

const DEFAULT_JOB: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Producers and workers for every queue of this process. Producers fail fast
 * when Redis is down (no offline queue); workers wait for Redis to return.
 */
export class Queues {
  private readonly producers = new Map<QueueName, Queue>();
  private readonly workers: Worker[] = [];
  /** BullMQ does not close a connection it was handed (it closes only the blocking duplicate it made), so these are ours to close. */
  private readonly workerConnections: RedisClient[] = [];
  private readonly producerConnection: RedisClient;

  /** `redis`: a standalone server or a Redis Cluster; on a Cluster each queue's keys share its hash tag (queuePrefix). */
  constructor(private readonly deps: { redis: RedisTarget; logger: Logger; metrics: Metrics; keyPrefix: string }) {
    this.producerConnection = createRedisClient(deps.redis, 'producer', 'bullmq-producer');
  }

  private queue(name: QueueName): Queue {
    let q = this.producers.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.producerConnection, prefix: queuePrefix(this.deps.keyPrefix, name), defaultJobOptions: DEFAULT_JOB });
      q.on('error', (err) => this.deps.logger.warn({ err, queue: name }, 'queue error'));
      this.producers.set(name, q);
    }
    return q;
  }

  /** Adds a job; `jobId` (a business id) makes a repeated add a no-op. */
  async add<N extends QueueName>(name: N, payload: JobPayloads[N], opts: { jobId: string } & JobsOptions): Promise<void> {
    const parsed = JOB_SCHEMAS[name].safeParse(payload);
    if (!parsed.success) throw new AppError('VALIDATION_ERROR', `invalid ${name} job`, { details: parsed.error.issues });
    // BullMQ waits for a ready connection even without an offline queue: `guarded` refuses at once instead.
    await this.guarded(name, () => this.queue(name).add(name, parsed.data, opts));
  }

  /**
   * Adds several jobs in one round trip; each `jobId` (an event id) makes a
   * repeated add a no-op while the job is kept (removeOnComplete keeps a day).
   */
  async addBulk<N extends QueueName>(name: N, jobs: readonly { payload: JobPayloads[N]; jobId: string }[]): Promise<void> {
    if (jobs.length === 0) return;
    const checked = jobs.map((j) => {
      const parsed = JOB_SCHEMAS[name].safeParse(j.payload);
      if (!parsed.success) throw new AppError('VALIDATION_ERROR', `invalid ${name} job`, { details: parsed.error.issues });
      return { name, data: parsed.data, opts: { jobId: j.jobId } };
    });
    await this.guarded(name, () => this.queue(name).addBulk(checked));
  }

  /**
   * Creates or updates a repeatable job (one scheduler per id, whatever the
   * number of processes): every `everyMs`, or on a cron `pattern`. Called at
   * start-up, so it first waits a while for Redis.
   */
  async repeat<N extends QueueName>(name: N, schedulerId: string, everyMs: number | { pattern: string; tz?: string }, payload: JobPayloads[N]): Promise<void> {
    const data = JOB_SCHEMAS[name].parse(payload);
    const conn = this.producerConnection;
    if (conn.status === 'wait') await conn.connect().catch(() => undefined);
    for (let waited = 0; conn.status !== 'ready' && waited < STARTUP_WAIT_MS; waited += 100) await new Promise((r) => setTimeout(r, 100));
    const repeat = typeof everyMs === 'number' ? { every: everyMs } : everyMs;
    await this.guarded(name, () => this.queue(name).upsertJobScheduler(schedulerId, repeat, { name, data }));
  }

  /** A repeatable job's schedule as stored (null: no such scheduler). */
  async scheduler(name: QueueName, schedulerId: string): Promise<{ every: number | null; pattern: string | null } | null> {
    const s = await this.queue(name).getJobScheduler(schedulerId);
    return s ? { every: s.every ? Number(s.every) : null, pattern: s.pattern ?? null } : null;
  }

  private async guarded(name: QueueName, op: () => Promise<unknown>): Promise<void> {
    const conn = this.producerConnection;
    if (conn.status === 'wait') await conn.connect().catch(() => undefined);
    if (conn.status !== 'ready') throw serviceUnavailable(`queue ${name} is unavailable (Redis ${conn.status})`);
    try {
      await addTimeout.execute(() => op());
    } catch (err) {
      throw serviceUnavailable(`queue ${name} is unavailable`, err);
    }
  }

  /**
   * Starts a worker with its own blocking connection (maxRetriesPerRequest: null).
   * `lockDurationMs` bounds how long the jobs of a killed worker stay active
   * before another worker takes them again. `limiter` caps the queue at `max`
   * jobs per `duration` ms across every worker (a provider's send rate).
   */
  work(name: QueueName, processor: Processor, concurrency = 4, lockDurationMs = 30_000, limiter?: { max: number; duration: number }): Worker {
    const connection = createRedisClient(this.deps.redis, 'worker', `bullmq-worker-${name}`);
    this.workerConnections.push(connection);
    const worker = new Worker(
      name,
      async (job: Job) => {
        try {
          const result = await processor(job);
          this.deps.metrics.jobs.inc({ queue: name, outcome: 'completed' });
          return result;
        } catch (err) {
          this.deps.metrics.jobs.inc({ queue: name, outcome: 'failed' });
          this.deps.logger.warn({ err, queue: name, jobId: job.id, attempt: job.attemptsMade }, 'job failed');
          throw err;
        }
      },
      { connection, prefix: queuePrefix(this.deps.keyPrefix, name), concurrency, autorun: true, lockDuration: lockDurationMs, stalledInterval: Math.min(30_000, lockDurationMs), ...(limiter ? { limiter } : {}) },
    );
    worker.on('error', (err) => this.deps.logger.warn({ err, queue: name }, 'worker error'));
    this.workers.push(worker);
    return worker;
  }

  /** Graceful: workers finish their active jobs (bounded by the caller), then connections close. */
  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.producers.values()].map((q) => q.close()));
    this.producerConnection.disconnect();
    for (const c of this.workerConnections) c.disconnect();
  }
}
