import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../infra/embedded-redis.js';

/**
 * A private redis-server for one test file, on a free port, diskless.
 * Use `uniquePrefix()` so tests inside a file never see each other's keys.
 */
export async function startTestRedis(extraArgs: string[] = []): Promise<EmbeddedRedis> {
  return startEmbeddedRedis({ extraArgs });
}

export const uniquePrefix = (label = 't'): string => `${label}:${randomUUID().slice(0, 8)}:`;

export function redisClient(url: string): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/**
 * Mocha hooks for one suite: a private redis-server before all tests, its client
 * handed to `use`, both closed after all tests.
 */
export function usePrivateRedis(use: (client: Redis) => void): void {
  let server: EmbeddedRedis | undefined;
  let client: Redis | undefined;
  before(async () => {
    server = await startTestRedis();
    client = redisClient(server.url);
    use(client);
  });
  after(async () => {
    client?.disconnect();
    await server?.stop();
  });
}
