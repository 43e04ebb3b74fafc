import { notFound } from '../../shared/errors.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import type { Principal } from '../../shared/principal.js';
import type { MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage } from '../model.js';
import type { WebhookMessageRepository } from '../ports.js';
import { assertMayManageWebhooks, endpointYouManage, storeYouManage, type AccessDeps } from './access.js';

type EndpointView = ReturnType<WebhookEndpoint['view']>;
const messageView = (m: WebhookMessage) => m.toProps();

/** Reads: endpoints, their secret, and the delivery log (messages and attempts), each for whoever may manage the endpoint. */
export class WebhookQueries {
  constructor(private readonly deps: AccessDeps & { webhookMessages: WebhookMessageRepository }) {}

  /** A store owner: their stores' endpoints (or one store's); an admin: all, one store's, or the platform's (`storeId: null`). */
  async endpoints(p: Principal, filter: { storeId?: string | null }, page: PageRequest): Promise<Page<EndpointView>> {
    assertMayManageWebhooks(p);
    let result: Page<WebhookEndpoint>;
    if (filter.storeId) {
      await storeYouManage(this.deps, p, filter.storeId);
      result = await this.deps.webhookEndpoints.list({ storeIds: [filter.storeId] }, page);
    } else if (p.role === 'admin') {
      result = await this.deps.webhookEndpoints.list(filter.storeId === null ? { platform: true } : {}, page);
    } else {
      const stores = await this.deps.stores.list({ ownerId: p.accountId }, { page: 1, limit: 100 });
      result = await this.deps.webhookEndpoints.list({ storeIds: stores.items.map((s) => s.id) }, page);
    }
    return { items: result.items.map((e) => e.view()), pagination: result.pagination };
  }

  async endpoint(p: Principal, id: string): Promise<EndpointView> {
    return (await endpointYouManage(this.deps, p, id)).view();
  }

  async secret(p: Principal, id: string): Promise<{ key: string }> {
    return { key: (await endpointYouManage(this.deps, p, id)).secret };
  }

  async messages(p: Principal, endpointId: string, filter: { status?: MessageStatus }, page: PageRequest) {
    await endpointYouManage(this.deps, p, endpointId);
    const r = await this.deps.webhookMessages.list(endpointId, filter, page);
    return { items: r.items.map(messageView), pagination: r.pagination };
  }

  async attempts(p: Principal, endpointId: string, messageId: string): Promise<{ message: ReturnType<typeof messageView>; attempts: WebhookAttempt[] }> {
    await endpointYouManage(this.deps, p, endpointId);
    const message = await this.deps.webhookMessages.findById(messageId);
    if (!message || message.endpointId !== endpointId) throw notFound('Webhook message');
    return { message: messageView(message), attempts: await this.deps.webhookMessages.attempts(messageId) };
  }
}
