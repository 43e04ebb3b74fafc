import { text, z } from '../zod.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { ATTEMPT_OUTCOMES, MESSAGE_STATUSES } from '../../domain/webhooks/model.js';
import { STORE_EVENT_TYPES, WEBHOOK_EVENT_TYPES } from '../../domain/webhooks/event-types.js';
import type { ManageWebhookEndpoints } from '../../domain/webhooks/use-cases/manage-endpoints.js';
import type { ReplayWebhookMessages } from '../../domain/webhooks/use-cases/replay-messages.js';
import type { WebhookQueries } from '../../domain/webhooks/use-cases/queries.js';
import { assertMayManageWebhooks } from '../../domain/webhooks/use-cases/access.js';
import { EVENT_TYPE } from '../../domain/shared/events.js';
import { defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { id } from './stores.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface WebhookRouteDeps {
  manageWebhookEndpoints: ManageWebhookEndpoints;
  replayWebhookMessages: ReplayWebhookMessages;
  webhookQueries: WebhookQueries;
}

const ENDPOINT_ID = '6b1f0e2d-8c3a-4d5e-9f60-7a8b9c0d1e2f';
const MESSAGE_ID = 'msg_2f9d1c4b7a6e4d3c8b1a0f9e8d7c6b5a';
const EVENT_ID = '01JH4Z8Q6R2M5N7P9S3T4V6W8X';
const at = (m: number) => `2026-01-10T09:${String(m).padStart(2, '0')}:00.000Z`;

const eventTypes = z.array(z.string().regex(EVENT_TYPE, 'an event type, <context>.<noun>.<verb>')).min(1).max(100);
const url = z.url().max(2048);

const endpointSchema = z
  .object({
    id: z.string(), storeId: z.string().nullable().openapi({ description: 'Null: a platform endpoint (admins).' }), createdBy: z.string(), url: z.string(), description: z.string(),
    eventTypes: z.array(z.string()), ordered: z.boolean().openapi({ description: "One entity's messages (an order's events) are delivered one at a time, in order." }),
    status: z.enum(['enabled', 'disabled']), disabledReason: z.string().nullable(), failingSince: z.string().nullable(),
    secretRotating: z.boolean().openapi({ description: 'A rotated-out secret still signs (both signatures are sent).' }), version: z.number().int(), createdAt: z.string(), updatedAt: z.string(),
  })
  .openapi('WebhookEndpoint', {
    example: {
      id: ENDPOINT_ID, storeId: EXAMPLE_ID.store, createdBy: EXAMPLE_ID.storeOwner, url: 'https://pos.alsham-bakery.example/daraa/webhooks', description: 'Point of sale',
      eventTypes: ['ordering.order.placed', 'ordering.order.cancelled'], ordered: true, status: 'enabled', disabledReason: null, failingSince: null, secretRotating: false,
      version: 1, createdAt: at(1), updatedAt: at(1),
    },
  });
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const withSecret = z.object({ endpoint: endpointSchema, secret: z.string().openapi({ description: 'The whsec_ secret receivers verify signatures with.', example: SECRET }) })
  .openapi('WebhookEndpointWithSecret');
const messageSchema = z
  .object({
    id: z.string().openapi({ description: 'The webhook-id header: the same on every attempt and replay.' }), endpointId: z.string(), eventId: z.string(), eventType: z.string(),
    aggregateId: z.string(), occurredAt: z.string(), body: z.string().openapi({ description: 'The exact bytes signed and sent.' }), status: z.enum(MESSAGE_STATUSES),
    attempts: z.number().int(), roundStart: z.number().int(), nextAttemptAt: z.string().nullable(), version: z.number().int(), createdAt: z.string(), updatedAt: z.string(),
  })
  .openapi('WebhookMessage', {
    example: {
      id: MESSAGE_ID, endpointId: ENDPOINT_ID, eventId: EVENT_ID, eventType: 'ordering.order.placed', aggregateId: `order:${EXAMPLE_ID.order}`, occurredAt: at(2),
      body: `{"type":"ordering.order.placed","timestamp":"${at(2)}","eventId":"${EVENT_ID}","data":{"orderId":"${EXAMPLE_ID.order}"}}`,
      status: 'pending', attempts: 2, roundStart: 0, nextAttemptAt: at(8), version: 3, createdAt: at(2), updatedAt: at(3),
    },
  });
const attemptSchema = z
  .object({
    messageId: z.string(), endpointId: z.string(), n: z.number().int(), at: z.string(), statusCode: z.number().int().nullable(), latencyMs: z.number().int(),
    outcome: z.enum(ATTEMPT_OUTCOMES), response: z.string().openapi({ description: 'At most 1 KB of the answer.' }), error: z.string().nullable(),
  })
  .openapi('WebhookAttempt', { example: { messageId: MESSAGE_ID, endpointId: ENDPOINT_ID, n: 2, at: at(3), statusCode: 503, latencyMs: 41, outcome: 'failed', response: 'Service Unavailable', error: 'HTTP 503' } });
const messageLog = z.object({ message: messageSchema, attempts: z.array(attemptSchema) }).openapi('WebhookMessageLog');

const createBody = z
  .strictObject({
    storeId: id.optional().openapi({ description: "The store whose events it receives (store owners: required, one of theirs). Omitted by an admin: a platform endpoint." }),
    url, eventTypes, description: text(200).optional(), ordered: z.boolean().optional(),
  })
  .openapi({ example: { storeId: EXAMPLE_ID.store, url: 'https://pos.alsham-bakery.example/daraa/webhooks', eventTypes: ['ordering.order.placed', 'ordering.order.cancelled'], description: 'Point of sale', ordered: true } });
const patchBody = z
  .strictObject({ url: url.optional(), eventTypes: eventTypes.optional(), description: z.string().trim().max(200).optional(), ordered: z.boolean().optional(), enabled: z.boolean().optional() })
  .openapi({ example: { eventTypes: ['ordering.order.placed'], enabled: true } });
const rotateBody = z
  .strictObject({ overlapMinutes: z.number().int().min(0).max(7 * 24 * 60).optional().openapi({ description: 'How long the old secret keeps signing (default 24 h).' }) })
  .openapi({ example: { overlapMinutes: 60 } });
const recoverBody = z.strictObject({ since: z.iso.datetime({ offset: true }).openapi({ description: 'Failed messages created at or after this are replayed.' }) }).openapi({ example: { since: at(0) } });
const params = z.strictObject({ id });
const messageParams = z.strictObject({ id, messageId: z.string().regex(/^msg_[0-9a-f]{32}$/, 'a message id, msg_…') });
const owners = roles('store_owner', 'admin');
const tags = ['webhooks'];
const PERMISSIONS = 'Store owners: their stores\' endpoints; admins with webhooks:manage: any.';

/** Outgoing webhooks: endpoints, their secrets, the delivery log, replay and recover. */
export function webhookRoutes(d: WebhookRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/webhooks/event-types', tags, access: owners,
      summary: 'The event types an endpoint may subscribe to: a store endpoint its store\'s events, a platform endpoint any',
      response: z.object({ store: z.array(z.string()), platform: z.array(z.string()) }).openapi({ example: { store: ['ordering.order.placed'], platform: ['ordering.order.placed', 'webhooks.endpoint.disabled'] } }),
      handler: async ({ auth }) => {
        assertMayManageWebhooks(auth);
        return { store: STORE_EVENT_TYPES, platform: auth.role === 'admin' ? WEBHOOK_EVENT_TYPES : [] };
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/webhooks/endpoints', tags, access: owners, status: 201,
      summary: `Register an endpoint: a URL (HTTPS, public) and the event types it receives. The answer carries its whsec_ secret. ${PERMISSIONS}`,
      body: createBody, response: withSecret, errors: ['NOT_FOUND', 'WEBHOOK_URL_REFUSED'],
      handler: ({ auth, body }) => d.manageWebhookEndpoints.create(auth, { url: body.url, eventTypes: body.eventTypes, ...(body.storeId ? { storeId: body.storeId } : {}), ...(body.description !== undefined ? { description: body.description } : {}), ...(body.ordered !== undefined ? { ordered: body.ordered } : {}) }),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/webhooks/endpoints', tags, access: owners,
      summary: `List endpoints, newest first: a store owner's (or one store's), an admin's all, one store's, or the platform's (platform=true). ${PERMISSIONS}`,
      query: z.strictObject({ ...pageQuery, storeId: id.optional(), platform: z.enum(['true', 'false']).optional() }), response: pageSchema(endpointSchema), errors: ['NOT_FOUND'],
      handler: ({ auth, query }) => d.webhookQueries.endpoints(auth, { ...(query.storeId ? { storeId: query.storeId } : query.platform === 'true' ? { storeId: null } : {}) }, pageRequest(query.page, query.limit)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/webhooks/endpoints/:id', tags, access: owners, hidesForeign: true,
      summary: `Read an endpoint (without its secret). ${PERMISSIONS}`, params, response: endpointSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.webhookQueries.endpoint(auth, p.id),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/webhooks/endpoints/:id', tags, access: owners, hidesForeign: true,
      summary: `Change an endpoint's URL, event types, description or ordering; enable a disabled one (its failing run starts over) or disable it. ${PERMISSIONS}`,
      params, body: patchBody, response: endpointSchema, errors: ['NOT_FOUND', 'CONFLICT', 'WEBHOOK_URL_REFUSED'],
      handler: ({ auth, params: p, body }) => d.manageWebhookEndpoints.update(auth, p.id, body),
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/webhooks/endpoints/:id', tags, access: owners, hidesForeign: true,
      summary: `Delete an endpoint with its delivery log. ${PERMISSIONS}`, params,
      response: z.object({ id: z.string(), deleted: z.literal(true) }).openapi({ example: { id: ENDPOINT_ID, deleted: true } }), errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.manageWebhookEndpoints.remove(auth, p.id),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/webhooks/endpoints/:id/secret', tags, access: owners, hidesForeign: true,
      summary: `Read an endpoint's current whsec_ secret. ${PERMISSIONS}`, params,
      response: z.object({ key: z.string() }).openapi({ example: { key: SECRET } }), errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.webhookQueries.secret(auth, p.id),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/webhooks/endpoints/:id/secret/rotate', tags, access: owners, hidesForeign: true, rateLimit: 'strict',
      summary: `Rotate the secret: the answer carries the new one; the old one keeps signing for the overlap, so each delivery carries both signatures meanwhile. ${PERMISSIONS}`,
      params, body: rotateBody, response: withSecret, errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p, body }) => d.manageWebhookEndpoints.rotate(auth, p.id, ...(body.overlapMinutes !== undefined ? [body.overlapMinutes * 60_000] : [])),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/webhooks/endpoints/:id/messages', tags, access: owners, hidesForeign: true,
      summary: `The delivery log: an endpoint's messages, newest first, by status. ${PERMISSIONS}`,
      params, query: z.strictObject({ ...pageQuery, status: z.enum(MESSAGE_STATUSES).optional() }), response: pageSchema(messageSchema), errors: ['NOT_FOUND'],
      handler: ({ auth, params: p, query }) => d.webhookQueries.messages(auth, p.id, query.status ? { status: query.status } : {}, pageRequest(query.page, query.limit)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/webhooks/endpoints/:id/messages/:messageId', tags, access: owners, hidesForeign: true,
      summary: `One message and every attempt at it: status code, latency, outcome and the first 1 KB of each answer. ${PERMISSIONS}`,
      params: messageParams, response: messageLog, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.webhookQueries.attempts(auth, p.id, p.messageId),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/webhooks/endpoints/:id/messages/:messageId/replay', tags, access: owners, hidesForeign: true, status: 202,
      summary: `Send a message again (same webhook-id), on a new round of the retry schedule. ${PERMISSIONS}`,
      params: messageParams, response: messageSchema, errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p }) => d.replayWebhookMessages.replay(auth, p.id, p.messageId),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/webhooks/endpoints/:id/recover', tags, access: owners, hidesForeign: true, status: 202,
      summary: `Replay every failed message of the endpoint created since a time (up to 1,000 per call; \`more\` says whether to call again). ${PERMISSIONS}`,
      params, body: recoverBody, response: z.object({ replayed: z.number().int(), more: z.boolean() }).openapi({ example: { replayed: 12, more: false } }), errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p, body }) => d.replayWebhookMessages.recover(auth, p.id, new Date(body.since)),
    }),
  ];
}
