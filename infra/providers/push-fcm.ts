import https from 'node:https';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { cert, deleteApp, initializeApp, type App, type Credential } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import type { Logger } from 'pino';
import { ProviderError } from '../../domain/shared/errors.js';
import type { PushSender } from '../../domain/notification/ports.js';

/** FCM error codes that mean the token will never work again: the device uninstalled, or the token is malformed. */
const DEAD_TOKEN = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token', 'messaging/invalid-argument']);

/**
 * An HTTPS agent that carries every request over plain TCP to one http:// address.
 * firebase-admin has no host setting for FCM; its `httpAgent` option is the seam
 * a stub (tests) or an emulator plugs into, for the token exchange and the sends alike.
 */
class RedirectAgent extends https.Agent {
  constructor(private readonly target: URL) {
    super({ keepAlive: true });
  }

  override createConnection(): net.Socket {
    return net.connect({ host: this.target.hostname, port: Number(this.target.port || 80) });
  }
}

/** The access token of a stub or emulator: POST <endpoint>/token answers `{ access_token, expires_in }`. */
function endpointCredential(endpoint: URL): Credential {
  return {
    async getAccessToken() {
      const res = await fetch(new URL('/token', endpoint), { method: 'POST' });
      if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
      const body = (await res.json()) as { access_token: string; expires_in: number };
      return { access_token: body.access_token, expires_in: body.expires_in };
    },
  };
}

/** Push through Firebase Cloud Messaging (HTTP v1) with firebase-admin. */
export class FcmPushSender implements PushSender {
  private readonly app: App;
  private readonly messaging: Messaging;

  constructor(s: { projectId: string; serviceAccountJson: string; endpoint?: string | undefined }, private readonly logger: Logger) {
    const account = JSON.parse(s.serviceAccountJson) as { client_email: string; private_key: string };
    const endpoint = s.endpoint ? new URL(s.endpoint) : undefined;
    // google-auth-library's token exchange ignores the agent, so a stub or emulator also hands out the access token.
    const credential = endpoint ? endpointCredential(endpoint) : cert({ projectId: s.projectId, clientEmail: account.client_email, privateKey: account.private_key });
    this.app = initializeApp({ projectId: s.projectId, credential, ...(endpoint ? { httpAgent: new RedirectAgent(endpoint) } : {}) }, `daraa-push-${randomUUID()}`);
    this.messaging = getMessaging(this.app);
  }

  async send(m: { token: string; title: string; body: string; data: Record<string, string> }): Promise<void> {
    try {
      await this.messaging.send({ token: m.token, notification: { title: m.title, body: m.body }, data: m.data });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unknown';
      if (DEAD_TOKEN.has(code)) throw new ProviderError(`FCM: ${code}`, false, 'invalid_token');
      this.logger.warn({ err, code }, 'FCM send failed');
      throw new ProviderError(`FCM: ${code}`, true, 'fcm_unavailable');
    }
  }

  close(): Promise<void> {
    return deleteApp(this.app);
  }
}

/** Development push: logged and kept in memory. Used when FCM is not configured. */
export class DevPushSender implements PushSender {
  readonly outbox: { token: string; title: string; body: string; data: Record<string, string> }[] = [];
  constructor(private readonly logger: Logger) {}

  async send(m: { token: string; title: string; body: string; data: Record<string, string> }): Promise<void> {
    this.outbox.push(m);
    if (this.outbox.length > 1_000) this.outbox.shift();
    this.logger.info({ push: { title: m.title } }, 'dev push (not sent)');
  }
}
