import { io, type Socket } from 'socket.io-client';

// The session lives in sessionStorage (this tab only), never in a URL.
const KEY = 'daraa.session';

export interface Session {
  accessToken: string;
  refreshToken: string;
  account: { id: string; role: string; perms?: string[] };
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export function session(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as Session) : null;
}

export function signOut(): void {
  const s = session();
  sessionStorage.removeItem(KEY);
  if (s) void fetch('/api/v1/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${s.accessToken}` } }).catch(() => undefined);
}

async function call<T>(method: string, url: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const json = res.status === 204 ? {} : await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? 'ERROR', json?.error?.message ?? res.statusText);
  return json.data as T;
}

export async function signIn(identifier: string, password: string): Promise<Session> {
  const data = await call<Session>('POST', '/api/v1/auth/login', { identifier, password });
  const s = { accessToken: data.accessToken, refreshToken: data.refreshToken, account: { id: data.account.id, role: data.account.role } };
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

let refreshing: Promise<Session> | null = null;
/** One refresh at a time: a rotated refresh token used twice would revoke the session. */
export function refresh(): Promise<Session> {
  const s = session();
  if (!s) return Promise.reject(new ApiError(401, 'UNAUTHORIZED', 'Not signed in'));
  refreshing ??= call<Session>('POST', '/api/v1/auth/refresh', { refreshToken: s.refreshToken })
    .then((data) => {
      const next = { ...s, accessToken: data.accessToken, refreshToken: data.refreshToken };
      sessionStorage.setItem(KEY, JSON.stringify(next));
      return next;
    })
    .finally(() => (refreshing = null));
  return refreshing;
}

/** An authenticated REST call; one refresh and retry when the access token has expired. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const s = session();
  try {
    return await call<T>(method, `/api/v1${path}`, body, s?.accessToken);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'INVALID_TOKEN' || !s) throw err;
    const next = await refresh();
    return call<T>(method, `/api/v1${path}`, body, next.accessToken);
  }
}

/**
 * A socket on a namespace with the session's token. It reconnects by itself; `onConnect` runs on every
 * (re)connection, which is where a page re-reads what the server holds.
 */
export function liveSocket(nsp: '/customer' | '/ops', onConnect: (socket: Socket) => void, onState: (live: boolean) => void): Socket {
  const socket = io(nsp, { transports: ['websocket'], auth: (cb) => cb({ token: session()?.accessToken ?? '' }) });
  socket.on('connect', () => {
    onState(true);
    onConnect(socket);
  });
  socket.on('disconnect', () => onState(false));
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    onState(false);
    // An expired token: refresh, and the next attempt's auth callback reads the new one.
    if (err.data?.code === 'INVALID_TOKEN') void refresh().then(() => socket.connect(), () => undefined);
  });
  return socket;
}

/** Emits with an ack and answers its data, or throws the ack's error. */
export async function ask<T>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const ack = (await socket.timeout(10_000).emitWithAck(event, payload)) as { ok: boolean; data?: T; code?: string; message?: string };
  if (!ack.ok) throw new ApiError(0, ack.code ?? 'ERROR', ack.message ?? event);
  return ack.data as T;
}
