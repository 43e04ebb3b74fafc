import { asValue } from 'awilix';
import { http, type TestApp } from './app.js';
import type { DevSmsSender } from '../../infra/providers/sms-dev.js';

/** Identity helpers over HTTP with the dev SMS adapter: register, read the code, verify, log in. */
export const PASSWORD = 'Str0ng!pass';
let seq = 0;
export const newPhone = (): string => `+1555${String(process.pid % 1000).padStart(3, '0')}${String(seq++).padStart(4, '0')}`;

export const outbox = (app: TestApp): DevSmsSender => app.system.composed.container.cradle.sms as DevSmsSender;

export async function registerAndVerify(app: TestApp, role: 'customer' | 'store_owner' | 'courier', phone = newPhone(), password = PASSWORD): Promise<{ phone: string; password: string }> {
  const r = await http(`${app.url}/api/v1/auth/register`, { method: 'POST', json: { phone, password, role } });
  if (r.status !== 202) throw new Error(`register ${r.status} ${JSON.stringify(r.body)}`);
  const code = outbox(app).lastCode(phone);
  const v = await http(`${app.url}/api/v1/auth/otp/verify`, { method: 'POST', json: { phone, code } });
  if (v.status !== 200) throw new Error(`verify ${v.status} ${JSON.stringify(v.body)}`);
  return { phone, password };
}

export interface Session {
  accountId: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

export async function logIn(app: TestApp, identifier: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<Session> {
  const r = await http(`${app.url}/api/v1/auth/login`, { method: 'POST', json: { identifier, password }, headers });
  if (r.status !== 200) throw new Error(`login ${r.status} ${JSON.stringify(r.body)}`);
  return { accountId: r.body.data.account.id, accessToken: r.body.data.accessToken, refreshToken: r.body.data.refreshToken, sessionId: r.body.data.sessionId };
}

export async function signUp(app: TestApp, role: 'customer' | 'store_owner' | 'courier'): Promise<Session & { phone: string }> {
  const { phone } = await registerAndVerify(app, role);
  return { ...(await logIn(app, phone)), phone };
}

/** An admin created through the real use case (as `npm run admin:create` does), logged in. */
export async function signUpAdmin(app: TestApp, adminRole: 'super_admin' | 'support' | 'verifier' | 'security' | 'operations' = 'super_admin'): Promise<Session & { phone: string }> {
  const phone = newPhone();
  await app.system.composed.container.cradle.createAdmin.execute({ phone, email: `admin-${phone.slice(1)}@daraa.test`, password: PASSWORD, name: 'Admin', adminRole });
  return { ...(await logIn(app, phone)), phone };
}

/** Replaces the container's clock with one that can jump ahead; use cases read `deps.clock` on every call. */
export function controlledClock(app: TestApp): { advance(ms: number): void; restore(): void } {
  const container = app.system.composed.container;
  const original = container.cradle.clock;
  let offset = 0;
  container.register({ clock: asValue({ now: () => new Date(Date.now() + offset) }) });
  return {
    advance: (ms) => void (offset += ms),
    restore: () => void container.register({ clock: asValue(original) }),
  };
}
