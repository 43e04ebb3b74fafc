import { randomUUID } from 'node:crypto';

/** Small structural ports every use case may take in its deps. */
export interface Clock {
  now(): Date;
}
export interface IdGenerator {
  next(): string;
}

export const systemClock: Clock = { now: () => new Date() };
export const uuidIds: IdGenerator = { next: () => randomUUID() };
