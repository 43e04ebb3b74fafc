import { conflict, notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { WebhookEndpoint, WebhookMessage } from '../model.js';
import type { AttemptScheduler, WebhookMessageRepository } from '../ports.js';
import { endpointYouManage, type AccessDeps } from './access.js';

/** At most this many messages per recover call; the answer says whether more remain. */
const RECOVER_LIMIT = 1_000;

/** Replay one message, or recover every failed message since a time: each starts a new round on the retry schedule. */
export class ReplayWebhookMessages {
  constructor(private readonly deps: AccessDeps & { webhookMessages: WebhookMessageRepository; attemptScheduler: AttemptScheduler; clock: Clock }) {}

  async replay(p: Principal, endpointId: string, messageId: string) {
    const endpoint = await this.enabledEndpoint(p, endpointId);
    const message = await this.deps.webhookMessages.findById(messageId);
    if (!message || message.endpointId !== endpoint.id) throw notFound('Webhook message');
    await this.restart(message);
    return message.toProps();
  }

  async recover(p: Principal, endpointId: string, since: Date): Promise<{ replayed: number; more: boolean }> {
    const endpoint = await this.enabledEndpoint(p, endpointId);
    const failed = await this.deps.webhookMessages.failedSince(endpoint.id, since, RECOVER_LIMIT);
    let replayed = 0;
    for (const m of failed) {
      try {
        await this.restart(m);
        replayed++;
      } catch (err) {
        if ((err as { code?: string }).code !== 'CONFLICT') throw err; // replayed meanwhile
      }
    }
    return { replayed, more: failed.length === RECOVER_LIMIT };
  }

  private async enabledEndpoint(p: Principal, id: string): Promise<WebhookEndpoint> {
    const endpoint = await endpointYouManage(this.deps, p, id);
    if (endpoint.status === 'disabled') throw conflict('The endpoint is disabled: enable it first');
    return endpoint;
  }

  private async restart(message: WebhookMessage): Promise<void> {
    const v = message.version;
    message.replay(this.deps.clock.now());
    if (!(await this.deps.webhookMessages.save(message, v))) throw conflict('The message changed meanwhile; try again');
    await this.deps.attemptScheduler.schedule([{ messageId: message.id, attempt: message.attempts + 1, delayMs: 0 }]);
  }
}
