import { AppError, notFound } from '../../shared/errors.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import type { StoreRepository } from '../../catalog/ports.js';
import type { WebhookEndpoint } from '../model.js';
import type { WebhookEndpointRepository } from '../ports.js';

export const WEBHOOKS_PERMISSION = 'webhooks:manage';

export interface AccessDeps {
  webhookEndpoints: WebhookEndpointRepository;
  stores: StoreRepository;
}

/** Admins need webhooks:manage; store owners reach only their stores' endpoints. */
export function assertMayManageWebhooks(p: Principal): void {
  if (p.role === 'admin' && !hasPermission(p, WEBHOOKS_PERMISSION)) throw new AppError('FORBIDDEN', `Missing permission ${WEBHOOKS_PERMISSION}`);
  if (p.role !== 'admin' && p.role !== 'store_owner') throw new AppError('FORBIDDEN', 'This role may not do that');
}

/** The store, when `p` owns it or may manage webhooks; otherwise it does not exist for them. */
export async function storeYouManage(deps: AccessDeps, p: Principal, storeId: string): Promise<void> {
  assertMayManageWebhooks(p);
  const store = await deps.stores.findById(storeId);
  if (!store || (p.role !== 'admin' && store.ownerId !== p.accountId)) throw notFound('Store');
}

/**
 * The endpoint, when `p` may manage it: a store endpoint by its store's owner,
 * any endpoint by an admin with webhooks:manage. Everyone else is told it does not exist.
 */
export async function endpointYouManage(deps: AccessDeps, p: Principal, id: string): Promise<WebhookEndpoint> {
  assertMayManageWebhooks(p);
  const endpoint = await deps.webhookEndpoints.findById(id);
  if (!endpoint) throw notFound('Webhook endpoint');
  if (p.role === 'admin') return endpoint;
  if (endpoint.storeId === null) throw notFound('Webhook endpoint');
  const store = await deps.stores.findById(endpoint.storeId);
  if (!store || store.ownerId !== p.accountId) throw notFound('Webhook endpoint');
  return endpoint;
}
