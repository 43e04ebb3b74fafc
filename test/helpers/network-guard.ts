// Tests must never reach the internet: refuse any outbound connection that is not loopback.
import net from 'node:net';

let infraDownloadDepth = 0;
/**
 * Lets test *infrastructure* (only the mongodb-memory-server binary download) reach the
 * network while `fn` runs. Code under test never gets this: suites run serially, and the
 * callers await `fn` in a before() hook with nothing else running.
 */
export async function withInfraNetwork<T>(fn: () => Promise<T>): Promise<T> {
  infraDownloadDepth++;
  try {
    return await fn();
  } finally {
    infraDownloadDepth--;
  }
}

const LOOPBACK = /^(127\.|::1$|localhost$|::ffff:127\.)/;
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string | undefined;
  let host: string | undefined;
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    if (first.path) return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    host = first.host;
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    host = typeof args[1] === 'string' ? args[1] : undefined;
  } else if (typeof first === 'string') {
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args); // unix socket path
  }
  if (host && !LOOPBACK.test(host) && infraDownloadDepth === 0) {
    throw new Error(`test network guard: outbound connection to ${host} refused (tests stay on loopback)`);
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
