import { z } from 'zod';
import { DELIVERY_STATUSES } from '../domain/delivery/model.js';
import { ORDER_STATUSES } from '../domain/ordering/order.js';
import { COURIER_AVAILABILITY, VEHICLES } from '../domain/shared/vehicles.js';
import { ERROR_STATUS, type ErrorCode } from '../domain/shared/errors.js';
import { MANUAL_ACTIONS } from '../domain/dispatch/use-cases/control-delivery.js';

/**
 * The socket protocol, in one place: every event each namespace accepts or
 * emits, its payload and its ack. Handlers parse with these schemas, and
 * docs/asyncapi.yaml is generated from them (`npm run docs:asyncapi`); a test
 * fails when the committed document drifts.
 */

const lat = z.number().min(-90).max(90);
const lng = z.number().min(-180).max(180);
/** Epoch milliseconds, bounded so a garbage number cannot poison ordering. */
const epochMs = z.number().int().min(1_000_000_000_000).max(10_000_000_000_000);
const id = z.string().min(1).max(128).regex(/^[^\s{}]+$/, 'no spaces or braces');
const vehicle = z.enum(VEHICLES);
const availability = z.enum(COURIER_AVAILABILITY);
const deliveryStatus = z.enum(DELIVERY_STATUSES);
const point = z.object({ lat, lng });

/**
 * Error codes an ack can carry: every error code of the REST API (so a use
 * case's code reaches a socket client unchanged), with RATE_LIMITED in place
 * of RATE_LIMIT_EXCEEDED, plus NOT_ONLINE.
 */
export type AckCode = Exclude<ErrorCode, 'RATE_LIMIT_EXCEEDED'> | 'NOT_ONLINE' | 'RATE_LIMITED';
export const ACK_CODES: [AckCode, ...AckCode[]] = [
  'NOT_ONLINE',
  'RATE_LIMITED',
  ...(Object.keys(ERROR_STATUS) as ErrorCode[]).filter((c): c is Exclude<ErrorCode, 'RATE_LIMIT_EXCEEDED'> => c !== 'RATE_LIMIT_EXCEEDED'),
];

/** The one shape of `details` (domain/shared/errors.ts ErrorDetail), the same as in REST errors. */
export const errorDetail = z
  .object({ field: z.string().optional(), reason: z.string().optional(), message: z.string() })
  .catchall(z.unknown());

export const ackError = z.object({
  ok: z.literal(false),
  code: z.enum(ACK_CODES),
  message: z.string(),
  details: z.array(errorDetail).optional(),
});
export type AckError = z.infer<typeof ackError>;
const okWith = <T extends z.ZodType>(data: T) => z.object({ ok: z.literal(true), data });

/** Handshake: `io('/courier', { auth: { token } })`. Connect errors carry `data.code`. */
export const MAX_TOKEN_CHARS = 4_096;
export const handshakeAuth = z.object({ token: z.string().min(1).max(MAX_TOKEN_CHARS) });
export const CONNECT_ERROR_CODES = ['UNAUTHORIZED', 'INVALID_TOKEN', 'FORBIDDEN', 'SERVICE_UNAVAILABLE'] as const;

// ---- payloads ----------------------------------------------------------------

export const fix = z.strictObject({
  lat,
  lng,
  ts: epochMs,
  accuracy: z.number().min(0).max(100_000).optional(),
  speed: z.number().min(0).max(150).optional(),
  heading: z.number().min(0).max(360).optional(),
  mock: z.boolean().optional(),
});
export type FixPayload = z.infer<typeof fix>;
export const MAX_BATCH = 500;

export const courierOnline = z.strictObject({ vehicle, capacity: z.number().int().min(1).max(20).default(1) });
export const courierOffline = z.strictObject({}).default({});
export const locationsBatch = z.strictObject({ fixes: z.array(z.unknown()).min(1).max(MAX_BATCH) });
export const authRefresh = z.strictObject({ token: z.string().min(1).max(MAX_TOKEN_CHARS) });
export const orderRef = z.strictObject({ orderId: id });
export const orderTrail = z.strictObject({ orderId: id, since: z.number().int().min(0).max(10_000_000_000_000).default(0) });
/** Areas are H3 cells at resolution 4-7 (about 1,770 km² down to 5 km²). */
export const h3Area = z.string().regex(/^[0-9a-f]{15}$/, 'an H3 cell index (15 hex digits)');
export const opsSubscribe = z.strictObject({ cells: z.array(h3Area).min(1).max(50) });

/** Plausibility flags of geo/gps.ts; flagged fixes are still applied (ops decides). */
export const gpsFlag = z.enum(['teleport', 'poor_accuracy', 'mock_location']);
export const locationAck = z.union([
  z.object({
    ok: z.literal(true),
    /** Fixes applied to the index (0 or 1 for `location`). */
    accepted: z.number().int(),
    /** Fixes dropped by the rate limit (token bucket), or shed while the hub is overloaded (HUB_MAX_PENDING_FIXES). */
    dropped: z.number().int(),
    /** Fixes ignored because a newer one is already stored (ordering, retries). */
    ignored: z.number().int(),
    /** Fixes refused as invalid, by position in the batch. */
    rejected: z.array(z.object({ index: z.number().int(), code: z.enum(ACK_CODES), message: z.string() })),
    /** Plausibility flags raised by the accepted fixes (a spoofed jump is `teleport`). */
    flags: z.array(gpsFlag),
  }),
  ackError,
]);
export type LocationAck = z.infer<typeof locationAck>;

export const courierPosition = z.object({
  orderId: id,
  lat,
  lng,
  heading: z.number().nullable(),
  speed: z.number().nullable(),
  ts: epochMs,
  etaSeconds: z.number().int().nullable(),
  etaSource: z.enum(['haversine', 'learned', 'google']).nullable(),
});
export type CourierPosition = z.infer<typeof courierPosition>;

export const orderStatus = z.object({
  orderId: id,
  deliveryId: id,
  status: deliveryStatus,
  at: z.string(),
  reason: z.string().nullable(),
});
export type OrderStatus = z.infer<typeof orderStatus>;

/** The order itself (not its delivery) changed status: confirmed, preparing, ready_for_pickup … completed, rejected, cancelled. */
export const orderUpdated = z.object({
  orderId: id,
  orderNumber: z.string(),
  status: z.enum(ORDER_STATUSES),
  from: z.enum(ORDER_STATUSES).nullable(),
  at: z.string(),
  reason: z.string().nullable(),
});
export type OrderUpdated = z.infer<typeof orderUpdated>;

/** A new in-app message for the socket's account, with the account's unread count after it (the inbox is the truth; re-read it on connect). */
export const notificationNew = z.object({
  message: z.object({
    id, eventType: z.string(), category: z.string(), title: z.string(), body: z.string(),
    data: z.record(z.string(), z.string()), createdAt: z.string(), readAt: z.string().nullable(),
  }),
  unread: z.number().int().min(0),
});
export type NotificationNew = z.infer<typeof notificationNew>;

export const orderSnapshot = z.object({
  orderId: id,
  deliveryId: id,
  status: deliveryStatus,
  timestamps: z.record(z.string(), z.string()),
  courierId: id.nullable(),
  pickup: point,
  dropoff: point,
  position: z.object({ lat, lng, heading: z.number().nullable(), speed: z.number().nullable(), ts: epochMs }).nullable(),
  lastSeenAt: z.iso.datetime().nullable().describe("When the courier's position was taken (the time of `position`); null without a position."),
  stale: z
    .boolean()
    .describe('True when `position` is older than GEO_MAX_AGE_S (default 30 s) or the courier went offline: the last known place, not a live one. False without a position.'),
  etaSeconds: z.number().int().nullable(),
  etaSource: z.enum(['haversine', 'learned', 'google']).nullable(),
});
export type OrderSnapshot = z.infer<typeof orderSnapshot>;

export const trailAckData = z.object({
  orderId: id,
  fixes: z.array(z.object({ lat, lng, ts: epochMs, speed: z.number().optional(), heading: z.number().optional(), accuracy: z.number().optional() })),
});

export const courierDeliveries = z.object({
  deliveries: z.array(z.object({ deliveryId: id, orderId: id, status: deliveryStatus, pickup: point, dropoff: point })),
});

export const opsCourier = z.object({
  courierId: id,
  lat,
  lng,
  status: availability,
  vehicle,
  ts: epochMs,
  stale: z.boolean(),
});
export const opsCounts = z.object({ online: z.number().int(), available: z.number().int(), busy: z.number().int(), stale: z.number().int() });
export const opsSnapshot = z.object({
  at: z.string(),
  areas: z.array(z.object({ cell: h3Area, counts: opsCounts, couriers: z.array(opsCourier), truncated: z.boolean() })),
});
export type OpsSnapshot = z.infer<typeof opsSnapshot>;

export const deliveryEvent = z.object({
  type: z.enum(['delivery.created', 'delivery.courier_assigned', 'delivery.status_changed']),
  deliveryId: id,
  orderId: id,
  at: z.string(),
}).loose();

/** A delivery offered to this courier until `expiresAt` (ISO time); answer with offer:accept or offer:decline. */
export const offerNew = z.object({
  offerId: id,
  deliveryId: id,
  orderId: id,
  pickup: point,
  dropoff: point,
  /** What the courier earns for the delivery, integer minor units. */
  feeMinor: z.number().int().min(0),
  expiresAt: z.iso.datetime(),
});
export type OfferNew = z.infer<typeof offerNew>;
/** An offer of this courier ended without their answer on this socket: expired (timer, disconnect, taken), or answered elsewhere. */
export const offerEnded = z.object({
  offerId: id,
  deliveryId: id,
  status: z.enum(['accepted', 'declined', 'expired']),
  reason: z.string().nullable(),
});
export type OfferEnded = z.infer<typeof offerEnded>;
export const offerAccept = z.strictObject({ offerId: id });
export const offerDecline = z.strictObject({ offerId: id, reason: z.string().min(1).max(200).optional() });

/** An offer made or ended, as the ops board hears it (every offer, every /ops socket): `expiresAt` while pending. */
export const opsOfferEvent = z.object({
  type: z.enum(['dispatch.offer.made', 'dispatch.offer.ended']),
  offerId: id,
  deliveryId: id,
  orderId: id,
  courierId: id,
  status: z.enum(['pending', 'accepted', 'declined', 'expired']),
  expiresAt: z.string().nullable(),
  at: z.string(),
});
export type OpsOfferEvent = z.infer<typeof opsOfferEvent>;

/**
 * Manual control on /ops (dispatchers: admins with `deliveries:manage`), the same commands as
 * `/api/v1/dispatch/deliveries/...` and through the same use case (domain/dispatch ControlDelivery).
 */
const controlReason = z.string().trim().min(3, 'must be at least 3 characters').max(500).describe('Why: kept in the audit log.');
const expectedVersion = z.number().int().min(1).optional().describe('The delivery version you saw; CONFLICT (version_changed) when it changed since.');
export const opsAssign = z.strictObject({ deliveryId: id, courierId: id, reason: controlReason, expectedVersion });
export const opsUnassign = z.strictObject({ deliveryId: id, reason: controlReason, expectedVersion });
export const opsBulk = z.strictObject({
  reason: controlReason,
  items: z.array(z.strictObject({ deliveryId: id, action: z.enum(MANUAL_ACTIONS), courierId: id.optional(), expectedVersion })).min(1).max(100),
});
/** The delivery after the command, as REST answers it. */
export const opsDelivery = z
  .object({ id, orderId: id, storeId: id, customerId: id, courierId: id.nullable(), status: deliveryStatus, pickup: point, dropoff: point, reason: z.string().nullable(), version: z.number().int() })
  .loose();
export const opsBulkResult = z.object({
  results: z.array(z.object({ deliveryId: z.string(), ok: z.boolean(), delivery: opsDelivery.optional(), error: z.object({ code: z.string(), message: z.string() }).optional() })),
});

export const sessionEnded = z.object({ reason: z.enum(['token_expired', 'logged_out', 'suspended', 'revoked']) });

// ---- the catalogue -------------------------------------------------------------

/**
 * A per-socket budget: `ratePerS` messages a second sustained, `burst` at
 * once (a token bucket). A message over budget is not handled: its ack is
 * RATE_LIMITED with `retryAfterMs`.
 */
export interface Budget {
  ratePerS: number;
  burst: number;
  /**
   * The event reads the database (or does other work of several ms): a socket
   * has at most HEAVY_IN_FLIGHT such messages being handled at once, and the
   * rest of its budgeted messages wait their turn, so one socket's burst
   * cannot hold the event loop for everyone else.
   */
  heavy?: true;
}
export const HEAVY_IN_FLIGHT = 2;
export interface ClientEvent {
  payload: z.ZodType;
  ack: z.ZodType;
  summary: string;
  budget: Budget;
}
/** Events a namespace does not know share one budget per socket; within it they are acked NOT_FOUND. */
export const UNKNOWN_EVENT_BUDGET: Budget = { ratePerS: 5, burst: 10 };
export interface ServerEvent {
  payload: z.ZodType;
  summary: string;
}
export interface NamespaceSpec {
  roles: readonly string[];
  description: string;
  receives: Record<string, ClientEvent>;
  sends: Record<string, ServerEvent>;
}

const simpleAck = <T extends z.ZodType>(data: T) => z.union([okWith(data), ackError]);
const refresh: ClientEvent = {
  payload: authRefresh,
  // Tokens live 15 minutes; each refresh verifies a JWT and reads the revocation list.
  budget: { ratePerS: 1, burst: 3 },
  ack: simpleAck(z.object({ expiresAt: z.number().int() })),
  summary: 'Replace the socket token with a fresh access token before it expires (same account).',
};
const notificationNewEvent: ServerEvent = {
  payload: notificationNew,
  summary: "A new in-app message for this socket's account (every namespace the account is connected to), with its unread count.",
};
const sessionEndedEvent: ServerEvent = {
  payload: sessionEnded,
  summary: 'Sent just before the server disconnects the socket: token expired, logout, suspension or revoked session.',
};

export const PROTOCOL: Record<'/courier' | '/customer' | '/ops', NamespaceSpec> = {
  '/courier': {
    roles: ['courier'],
    description: 'Couriers go online or offline, stream fixes, and answer delivery offers. Only verified, unsuspended couriers may go online.',
    receives: {
      // Going online reads eligibility and active deliveries from the database: a few times a shift.
      'courier:online': { payload: courierOnline, ack: simpleAck(z.object({ status: availability }).extend(courierDeliveries.shape)), summary: 'Go online with a vehicle and capacity.', budget: { ratePerS: 1, burst: 5, heavy: true } },
      'courier:offline': { payload: courierOffline, ack: simpleAck(z.object({ status: z.literal('offline') })), summary: 'Go offline (also happens on disconnect).', budget: { ratePerS: 1, burst: 5, heavy: true } },
      // Messages, well above the fix token bucket (COURIER_FIX_RATE_PER_S, 5/s, burst 20), which still decides which
      // fixes are applied (the rest are acked `dropped`); this budget only stops a flood of messages before parsing.
      location: { payload: fix, ack: locationAck, summary: 'One fix.', budget: { ratePerS: 50, burst: 100 } },
      // Each batch carries up to 500 fixes, which spend the fix and backlog buckets; a dead zone's trail is a few batches.
      locations: { payload: locationsBatch, ack: locationAck, summary: `Up to ${MAX_BATCH} buffered fixes, applied in timestamp order.`, budget: { ratePerS: 2, burst: 10 } },
      // Each answer is one transaction (the offer, the delivery, the dispatch state): a few a minute at most.
      'offer:accept': {
        payload: offerAccept,
        ack: simpleAck(z.object({ offerId: id, deliveryId: id, orderId: id, status: z.literal('accepted') })),
        summary: 'Accept an offer: the delivery is assigned to you, unless it expired (OFFER_EXPIRED), you answered it already (OFFER_ALREADY_ACCEPTED, OFFER_ALREADY_DECLINED), it is not yours (NOT_FOUND) or another courier has the delivery (CONFLICT). A refusal changes nothing.',
        budget: { ratePerS: 5, burst: 10, heavy: true },
      },
      'offer:decline': {
        payload: offerDecline,
        ack: simpleAck(z.object({ offerId: id, status: z.literal('declined') })),
        summary: 'Decline an offer (the next courier gets it; you are not asked again for this delivery). Refusals as for offer:accept; declining after accepting is OFFER_ALREADY_ACCEPTED.',
        budget: { ratePerS: 5, burst: 10, heavy: true },
      },
      'auth:refresh': refresh,
    },
    sends: {
      'offer:new': { payload: offerNew, summary: 'A delivery offered to you until expiresAt (dispatch.offerTimeoutSeconds, default 30 s); also sent as a push notification.' },
      'offer:ended': { payload: offerEnded, summary: 'One of your offers ended: expired (its timer, your disconnect, or the delivery was taken) or answered from another socket.' },
      'courier:deliveries': { payload: courierDeliveries, summary: "The courier's active deliveries, whenever they change." },
      'notification:new': notificationNewEvent,
      'session:ended': sessionEndedEvent,
    },
  },
  '/customer': {
    roles: ['customer', 'store_owner', 'admin'],
    description: "Customers watch their own orders, store owners their stores' orders, admins any order.",
    receives: {
      // Each watch reads the delivery (database), the courier (Redis) and an ETA: a few ms of this process's CPU.
      // A store owner's screen re-watches its (at most 50) orders after a reconnect within about 6 s. Measured with
      // a burst of 50 for both watch and trail: a flood's first 100 served messages pushed another courier's p99 ack
      // time from 52 to 621 ms (test/security/socket-flood.test.ts).
      'order:watch': { payload: orderRef, ack: simpleAck(orderSnapshot), summary: 'Join the order room; the ack carries the last known position, ETA and status.', budget: { ratePerS: 5, burst: 20, heavy: true } },
      'order:unwatch': { payload: orderRef, ack: simpleAck(z.object({ orderId: id })), summary: 'Leave the order room.', budget: { ratePerS: 10, burst: 50 } },
      // A trail is a database read and a Redis range read of up to a delivery's fixes: after a reconnect, then rarely.
      'order:trail': { payload: orderTrail, ack: simpleAck(trailAckData), summary: "The courier's fixes since `since` (epoch ms), to catch up after a reconnect.", budget: { ratePerS: 2, burst: 10, heavy: true } },
      'auth:refresh': refresh,
    },
    sends: {
      'courier:position': { payload: courierPosition, summary: 'Live position and ETA; at most 2 per second per order (the newest, coalesced).' },
      'order:status': { payload: orderStatus, summary: 'The delivery changed status (including at_pickup / at_dropoff from geofences).' },
      'order:updated': { payload: orderUpdated, summary: 'The order changed status (the store confirmed, started preparing, marked it ready; picked up, delivered, completed; rejected or cancelled).' },
      'notification:new': notificationNewEvent,
      'session:ended': sessionEndedEvent,
    },
  },
  '/ops': {
    roles: ['admin'],
    description: 'Admins watch areas of the live fleet and every delivery event; dispatchers (admins with deliveries:manage) assign, reassign and unassign deliveries with a reason.',
    receives: {
      // In memory only (the snapshot round reads each area once a second, whoever watches it): a board panning the map.
      'ops:subscribe': { payload: opsSubscribe, ack: simpleAck(z.object({ cells: z.array(h3Area) })), summary: 'Watch areas (H3 cells, res 4-7).', budget: { ratePerS: 5, burst: 20 } },
      'ops:unsubscribe': { payload: opsSubscribe, ack: simpleAck(z.object({ cells: z.array(h3Area) })), summary: 'Stop watching areas.', budget: { ratePerS: 5, burst: 20 } },
      // Each command is one transaction (the delivery, its offer, the dispatch state, the audit entry): a dispatcher's clicks, not a stream.
      'ops:assign': {
        payload: opsAssign,
        ack: simpleAck(opsDelivery),
        summary: 'Assign a courier to a delivery nobody holds, with a reason (admins with deliveries:manage, else FORBIDDEN). Its pending offer ends (withdrawn), dispatch stops, the audit entry keeps the reason. CONFLICT with details[0].reason already_assigned (someone holds it), delivery_taken (it changed hands meanwhile) or version_changed (expectedVersion is stale); NOT_FOUND, ORDER_NOT_READY, UNPROCESSABLE_ENTITY (courier not eligible), VALIDATION_ERROR. The same command again changes nothing.',
        budget: { ratePerS: 2, burst: 10, heavy: true },
      },
      'ops:reassign': {
        payload: opsAssign,
        ack: simpleAck(opsDelivery),
        summary: 'Give a delivery to another courier before pickup, whoever holds it (or its offer), with a reason; the previous courier is not asked again by dispatch. A courier accepting at the same moment: exactly one wins, the other gets CONFLICT. Refusals as for ops:assign.',
        budget: { ratePerS: 2, burst: 10, heavy: true },
      },
      'ops:unassign': {
        payload: opsUnassign,
        ack: simpleAck(opsDelivery),
        summary: 'Take the courier off a delivery before pickup, with a reason: it goes back to pending and dispatch looks again, never asking that courier. Unassigning an unassigned delivery changes nothing. Refusals as for ops:assign.',
        budget: { ratePerS: 2, burst: 10, heavy: true },
      },
      'ops:bulk': {
        payload: opsBulk,
        ack: simpleAck(opsBulkResult),
        summary: 'Up to 100 assign / reassign / unassign commands with one reason. Not all-or-nothing: each result is ok with the delivery, or the error code it met.',
        budget: { ratePerS: 1, burst: 3, heavy: true },
      },
      'auth:refresh': refresh,
    },
    sends: {
      'ops:snapshot': { payload: opsSnapshot, summary: 'At most once a second: couriers and counts per watched area.' },
      'delivery:event': { payload: deliveryEvent, summary: 'Every delivery event (created, courier assigned, status changed).' },
      'offer:event': { payload: opsOfferEvent, summary: 'Every dispatch offer made (pending until expiresAt) and ended (accepted, declined, expired): the board lists offers about to expire.' },
      'notification:new': notificationNewEvent,
      'session:ended': sessionEndedEvent,
    },
  },
};
