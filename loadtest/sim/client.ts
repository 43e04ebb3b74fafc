/** The simulation's clients of the real app: JSON over HTTP, and Socket.IO with acks. */
import { io, type Socket } from 'socket.io-client';

export class CallFailed extends Error {
  constructor(readonly what: string, readonly status: number, readonly body: unknown) {
    super(`${what}: answered ${status}: ${JSON.stringify(body).slice(0, 400)}`);
    this.name = 'CallFailed';
  }
}

export interface CallInit {
  method?: string;
  token?: string;
  json?: unknown;
  headers?: Record<string, string>;
}

export type Api = <T = any>(what: string, path: string, init?: CallInit, expected?: number[]) => Promise<T>;

/**
 * `api(what, '/orders/…', init)`: the `data` of a 2xx answer, or CallFailed. A connection that
 * fails (the listen backlog of a loaded box) is tried again, the way a client would.
 */
export function apiOf(baseUrl: string): Api {
  return async (what, path, init = {}, expected = [200, 201]) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    let res: Response | undefined;
    for (let attempt = 0; !res; attempt++) {
      try {
        res = await fetch(`${baseUrl}/api/v1${path}`, { method: init.method ?? 'GET', headers, body: init.json !== undefined ? JSON.stringify(init.json) : undefined });
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
    }
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: reported as text */
    }
    if (!expected.includes(res.status)) throw new CallFailed(`${what} (${init.method ?? 'GET'} ${path})`, res.status, body);
    return body?.data;
  };
}

export function connect(url: string, nsp: '/courier', token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(`${url}${nsp}`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(new Error(`${nsp}: ${err.message}`)));
  });
}

export type Ack = { ok: true; data?: any; [k: string]: unknown } | { ok: false; code: string; message: string };

export function emitAck(socket: Socket, event: string, payload: unknown, timeoutMs = 10_000): Promise<Ack> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack>;
}
