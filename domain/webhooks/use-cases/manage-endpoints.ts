import { conflict, validationError } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { DEFAULT_ROTATION_OVERLAP_MS, WebhookEndpoint } from '../model.js';
import { STORE_EVENT_TYPES, WEBHOOK_EVENT_TYPES } from '../event-types.js';
import type { DestinationPolicy } from '../ports.js';
import { endpointYouManage, storeYouManage, assertMayManageWebhooks, type AccessDeps } from './access.js';

export interface EndpointInput {
  storeId?: string | null;
  url: string;
  eventTypes: string[];
  description?: string;
  ordered?: boolean;
}
export interface EndpointPatch {
  url?: string;
  eventTypes?: string[];
  description?: string;
  ordered?: boolean;
  enabled?: boolean;
}

/** A store endpoint chooses among its store's events; a platform endpoint among every event. */
function assertSubscribable(storeId: string | null, eventTypes: readonly string[]): void {
  const allowed = storeId === null ? WEBHOOK_EVENT_TYPES : STORE_EVENT_TYPES;
  const unknown = eventTypes.filter((t) => !allowed.includes(t));
  if (unknown.length > 0) {
    throw validationError('Unknown event types', unknown.map((t) => ({ field: 'body.eventTypes', message: `${t} is not an event a ${storeId === null ? 'platform' : 'store'} endpoint can receive` })));
  }
}

/** Register, change, remove endpoints and rotate their secrets. */
export class ManageWebhookEndpoints {
  constructor(private readonly deps: AccessDeps & { destinationPolicy: DestinationPolicy; clock: Clock; ids: IdGenerator }) {}

  async create(p: Principal, input: EndpointInput): Promise<{ endpoint: ReturnType<WebhookEndpoint['view']>; secret: string }> {
    assertMayManageWebhooks(p);
    const storeId = input.storeId ?? null;
    if (storeId === null && p.role !== 'admin') throw validationError('Invalid body', [{ field: 'body.storeId', message: 'a store owner registers endpoints for one of their stores' }]);
    if (storeId !== null) await storeYouManage(this.deps, p, storeId);
    assertSubscribable(storeId, input.eventTypes);
    await this.deps.destinationPolicy.assertAllowed(input.url);
    const endpoint = WebhookEndpoint.create({ id: this.deps.ids.next(), storeId, createdBy: p.accountId, url: input.url, eventTypes: input.eventTypes, at: this.deps.clock.now(), ...(input.description !== undefined ? { description: input.description } : {}), ...(input.ordered !== undefined ? { ordered: input.ordered } : {}) });
    await this.deps.webhookEndpoints.create(endpoint);
    return { endpoint: endpoint.view(), secret: endpoint.secret };
  }

  async update(p: Principal, id: string, patch: EndpointPatch) {
    const endpoint = await endpointYouManage(this.deps, p, id);
    if (patch.eventTypes) assertSubscribable(endpoint.storeId, patch.eventTypes);
    if (patch.url !== undefined) await this.deps.destinationPolicy.assertAllowed(patch.url);
    const v = endpoint.version;
    endpoint.update(patch, this.deps.clock.now());
    if (!(await this.deps.webhookEndpoints.save(endpoint, v))) throw conflict('The endpoint changed meanwhile; read it again');
    return endpoint.view();
  }

  async remove(p: Principal, id: string): Promise<{ id: string; deleted: true }> {
    await endpointYouManage(this.deps, p, id);
    await this.deps.webhookEndpoints.delete(id);
    return { id, deleted: true };
  }

  /** A new secret; the previous one keeps signing for the overlap, so receivers can switch without losing a message. */
  async rotate(p: Principal, id: string, overlapMs = DEFAULT_ROTATION_OVERLAP_MS): Promise<{ endpoint: ReturnType<WebhookEndpoint['view']>; secret: string }> {
    const endpoint = await endpointYouManage(this.deps, p, id);
    const v = endpoint.version;
    endpoint.rotate(overlapMs, this.deps.clock.now());
    if (!(await this.deps.webhookEndpoints.save(endpoint, v))) throw conflict('The endpoint changed meanwhile; try again');
    return { endpoint: endpoint.view(), secret: endpoint.secret };
  }
}
