import type { Redis } from 'ioredis';

/** At most this many messages per script call, so one call never holds Redis for long. */
const MAX_BATCH = 500;

/** SPUBLISH each (channel, message) pair of ARGV, in order. */
const PUBLISH_ALL = "for i = 1, #ARGV, 2 do redis.call('SPUBLISH', ARGV[i], ARGV[i + 1]) end return #ARGV / 2";

type Message = string | Buffer;
interface Pending {
  args: Message[];
  promise: Promise<number>;
  resolve: (n: number) => void;
  reject: (err: unknown) => void;
}

type WithBatchCommand = Redis & { daraaSpublishBatch(...args: Message[]): Promise<number> };

/**
 * The publishing client for the sharded Socket.IO adapter, with the
 * SPUBLISHes of one event-loop turn sent as one script call. The adapter
 * publishes every broadcast on its own (one `SPUBLISH` each; courier positions
 * no longer go this way, see server/position-channel.ts);
 * through ioredis each is a command object, a promise and a reply to parse,
 * per position. Here the messages of a turn go out together, in order, and
 * every `spublish` of the batch settles with the one call: a failure (Redis
 * down) rejects them all, as the individual commands would have failed.
 * Subscribers see the same messages on the same channels. Anything else the
 * adapter asks of the client goes to the client itself.
 *
 * Standalone Redis only: a script runs on one node, and sharded channels of a
 * Redis Cluster live on many.
 */
export function batchingPublisher(client: Redis): Redis {
  const batched = client as WithBatchCommand;
  if (typeof batched.daraaSpublishBatch !== 'function') client.defineCommand('daraaSpublishBatch', { numberOfKeys: 0, lua: PUBLISH_ALL });
  let pending: Pending | null = null;

  const send = (batch: Pending) => {
    batched.daraaSpublishBatch(...batch.args).then(batch.resolve, batch.reject);
  };
  const flush = () => {
    const batch = pending;
    pending = null;
    if (batch) send(batch);
  };
  const open = (): Pending => {
    let resolve!: (n: number) => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<number>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A rejected batch whose callers all handled it must not count as unhandled.
    promise.catch(() => undefined);
    setImmediate(flush);
    return { args: [], promise, resolve, reject };
  };
  const spublish = (channel: string, message: Message): Promise<number> => {
    const batch = (pending ??= open());
    batch.args.push(channel, message);
    if (batch.args.length >= MAX_BATCH * 2) {
      pending = null;
      send(batch);
    }
    return batch.promise;
  };

  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'spublish') return spublish;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
