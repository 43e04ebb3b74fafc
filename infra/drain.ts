import type http from 'node:http';

/**
 * Graceful HTTP shutdown for every role: while draining, every response closes
 * its connection, so a finished in-flight request does not hold the server open
 * on keep-alive until the deadline. `drain(ms)` stops accepting, waits for
 * in-flight requests (bounded), then cuts what is left; it resolves with the
 * deadline for the steps that follow.
 */
export function drainableServer(server: http.Server): (timeoutMs: number) => Promise<{ deadline: Promise<void> }> {
  server.keepAliveTimeout = 5_000;
  let draining = false;
  const inFlight = new Set<http.ServerResponse>();
  server.prependListener('request', (_req, res) => {
    if (draining) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  return async (timeoutMs) => {
    draining = true;
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.race([closed, deadline]); // in-flight requests finish, bounded
    server.closeAllConnections();
    return { deadline };
  };
}
