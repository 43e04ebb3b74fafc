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
