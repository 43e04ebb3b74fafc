import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { newPhone, signUp, signUpAdmin, type Session } from '../helpers/identity.js';
import type { RouteSpec } from '../../api/route-kit.js';
import { Delivery } from '../../domain/delivery/model.js';
import sharp from 'sharp';
import { checkoutOf } from '../helpers/orders.js';
import { WebhookMessage } from '../../domain/webhooks/model.js';

/**
 * Every route × every caller × own vs. foreign object, generated from the
 * route table: a route without an entry here fails the suite.
 */
type Actor = 'anonymous' | 'customer' | 'store_owner' | 'courier' | 'super_admin' | 'ops_admin';
const ACTORS: Actor[] = ['anonymous', 'customer', 'store_owner', 'courier', 'super_admin', 'ops_admin'];
const SELF = ['customer', 'store_owner', 'courier'] as const;

interface Party { session: Session; phone: string; documentId: string | null }
interface Target { accountId: string; documentId: string }
interface Req { method?: string; path: string; json?: unknown; body?: Buffer; headers?: Record<string, string> }
interface Entry {
  /** `object` routes are called against the caller's own account and the victim's; `none` once. */
  scope: 'object' | 'none';
  request(t: Target, actor: Actor): Req;
  expect(actor: Actor, own: boolean): number;
  /** Puts the victim back into the state the route expects (state-changing admin routes). */
  prepare?(): Promise<void>;
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 1)]);
const authed = (ok: number) => (a: Actor) => (a === 'anonymous' ? 401 : ok);
const adminWith = (who: Actor[], ok: number) => (a: Actor) => (a === 'anonymous' ? 401 : who.includes(a) ? ok : 403);

describe('security: authorization matrix (every route × role × own/foreign)', function () {
  this.timeout(120_000);
  let app: TestApp;
  const parties = {} as Record<Exclude<Actor, 'anonymous'>, Party>;
  let victim: Party;
  let auditId: string;
  /** Stores and deliveries: `own` is the store owner party's store, with the customer and courier parties on its delivery; `foreign` belongs to others, its courier is the victim. */
  const commerce = {} as Record<'own' | 'foreign', { storeId: string; deliveryId: string; customerId: string; courierId: string; documentId?: string }>;
  const commerceOf = (t: Target) => (t.accountId === victim.session.accountId ? commerce.foreign : commerce.own);
  const dropoff = { lat: 33.52, lng: 36.29 };
  const storeReadable = (a: Actor, own: boolean) => (a === 'anonymous' ? 401 : a === 'customer' || a === 'courier' ? 403 : a === 'super_admin' || (a === 'store_owner' && own) ? 200 : 404);
  /** Catalog fixtures: a product (with a picture) in each commerce store, and a category. */
  const catalog = {} as Record<'own' | 'foreign', { productId: string; variantId: string }> & { categoryId: string; imagePath: string; png: Buffer; doomedCategoryId: string; logoPath: string; pendingStoreId: string };
  const catalogOf = (t: Target) => (t.accountId === victim.session.accountId ? catalog.foreign : catalog.own);
  const storeReadableWith = (ok: number) => (a: Actor, own: boolean) => { const r = storeReadable(a, own); return r === 200 ? ok : r; };
  /** Addresses: `own` is the customer party's address, `foreign` another customer's. */
  const addressBook = {} as Record<'own' | 'foreign', string>;
  const addressOf = (t: Target) => (t.accountId === victim.session.accountId ? addressBook.foreign : addressBook.own);
  const addressWritable = (a: Actor, own: boolean) => (a === 'anonymous' ? 401 : a !== 'customer' ? 403 : own ? 200 : 404);
  /** Cart routes: 401 without a token or cart token, 403 for every role but customer. */
  const cartOnly = (ok: number) => (a: Actor) => (a === 'anonymous' ? 401 : a === 'customer' ? ok : 403);
  let guestToken = '';
  const cartAddresses = { own: '', foreign: '' };
  /** Payments: a cash payment on the order of each fixture delivery (`own`: the customer, store owner and courier parties'). */
  const paymentOrders = {} as Record<'own' | 'foreign', string>;
  const paymentOrderOf = (t: Target) => (t.accountId === victim.session.accountId ? paymentOrders.foreign : paymentOrders.own);
  /** Ledger accounts: `own` the caller's (admins: the own store's payable); `foreign` another customer's wallet, the rival store's payable, or the victim courier's earnings. */
  const ledgerAccountOf = (t: Target, a: Actor): string => {
    const own = t.accountId !== victim.session.accountId;
    if (a === 'customer') return `customer_wallet:${own ? t.accountId : commerce.foreign.customerId}`;
    if (a === 'store_owner' || (own && a !== 'courier')) return `store_payable:${own ? commerce.own.storeId : commerce.foreign.storeId}`;
    return `courier_earnings:${t.accountId}`;
  };
  /** Webhooks: endpoints on each commerce store (`own`: the store owner party's), each with a failed message. */
  const hooks = {} as Record<'own' | 'foreign', { endpointId: string; messageId: string }>;
  const hookOf = (t: Target) => (t.accountId === victim.session.accountId ? hooks.foreign : hooks.own);
  /** Store owners their stores' endpoints (others' are not found), admins with webhooks:manage (super_admin) any; other roles and operations 403. */
  const hookable = (ok: number) => (a: Actor, own: boolean) => (a === 'anonymous' ? 401 : a === 'customer' || a === 'courier' || a === 'ops_admin' ? 403 : a === 'super_admin' || own ? ok : 404);
  const deliveryReadable = (a: Actor, own: boolean) => (a === 'anonymous' ? 401 : own || a === 'super_admin' || a === 'ops_admin' ? 200 : 404);
  /** Finance: a store's payout routes (its owner; admins with finance:manage, i.e. super_admin; ops_admin is told it does not exist). */
  const MATRIX_IBAN = 'DE89370400440532013000';
  const storePayable = (ok: number) => (a: Actor, own: boolean) => (a === 'anonymous' ? 401 : a === 'customer' || a === 'courier' ? 403 : a === 'super_admin' || (a === 'store_owner' && own) ? ok : 404);
  const courierPayable = (ok: number) => (a: Actor, own: boolean) => (a === 'anonymous' ? 401 : a === 'customer' || a === 'store_owner' ? 403 : a === 'super_admin' || (a === 'courier' && own) ? ok : 404);
  async function bankAccountsForAll(): Promise<void> {
    const { payoutRepository } = app.system.composed.container.cradle;
    const at = new Date().toISOString();
    for (const f of [commerce.own, commerce.foreign]) await payoutRepository.saveBankAccount({ ownerKind: 'store', ownerId: f.storeId, holderName: 'Matrix Shop', iban: MATRIX_IBAN, bic: null, connectedAccountId: null, updatedAt: at });
    for (const id of [...Object.values(parties).map((p) => p.session.accountId), victim.session.accountId]) {
      await payoutRepository.saveBankAccount({ ownerKind: 'courier', ownerId: id, holderName: 'Matrix Courier', iban: MATRIX_IBAN, bic: null, connectedAccountId: null, updatedAt: at });
    }
  }

  const matrix: Record<string, Entry> = {
    'POST /api/v1/auth/register': { scope: 'none', request: () => ({ path: '/api/v1/auth/register', json: { phone: newPhone(), password: 'Str0ng!pass', role: 'customer' } }), expect: () => 202 },
    'POST /api/v1/auth/otp/verify': { scope: 'none', request: () => ({ path: '/api/v1/auth/otp/verify', json: { phone: victim.phone, code: '000000' } }), expect: () => 422 },
    'POST /api/v1/auth/otp/resend': { scope: 'none', request: () => ({ path: '/api/v1/auth/otp/resend', json: { phone: newPhone() } }), expect: () => 202 },
    'POST /api/v1/auth/login': { scope: 'none', request: () => ({ path: '/api/v1/auth/login', json: { identifier: newPhone(), password: 'Wr0ng!pass' } }), expect: () => 401 },
    'POST /api/v1/auth/refresh': { scope: 'none', request: () => ({ path: '/api/v1/auth/refresh', json: { refreshToken: 'r'.repeat(43) } }), expect: () => 401 },
    'POST /api/v1/auth/password/forgot': { scope: 'none', request: () => ({ path: '/api/v1/auth/password/forgot', json: { phone: newPhone() } }), expect: () => 202 },
    'POST /api/v1/auth/password/reset': { scope: 'none', request: () => ({ path: '/api/v1/auth/password/reset', json: { phone: victim.phone, code: '000000', newPassword: 'Str0ng!pass2' } }), expect: () => 422 },
    'GET /api/v1/auth/me': { scope: 'none', request: () => ({ path: '/api/v1/auth/me' }), expect: authed(200) },
    'POST /api/v1/auth/logout': { scope: 'none', request: () => ({ path: '/api/v1/auth/logout' }), expect: authed(200) },
    'GET /api/v1/accounts/:id': {
      scope: 'object', request: (t) => ({ path: `/api/v1/accounts/${t.accountId}` }),
      expect: (a, own) => (a === 'anonymous' ? 401 : own || a === 'super_admin' || a === 'ops_admin' ? 200 : 404),
    },
    'PATCH /api/v1/accounts/:id/profile': {
      scope: 'object',
      request: (t, a) => ({ method: 'PATCH', path: `/api/v1/accounts/${t.accountId}/profile`, json: a === 'store_owner' ? { businessName: 'Shop' } : { name: 'Renamed' } }),
      expect: (a, own) => (a === 'anonymous' ? 401 : own ? 200 : 404),
    },
    'POST /api/v1/accounts/:id/documents': {
      scope: 'object',
      request: (t) => ({ path: `/api/v1/accounts/${t.accountId}/documents?kind=id_card`, body: PNG, headers: { 'content-type': 'image/png' } }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a === 'store_owner' || a === 'courier' ? (own ? 201 : 404) : 403),
    },
    'GET /api/v1/accounts/:id/documents': {
      scope: 'object', request: (t) => ({ path: `/api/v1/accounts/${t.accountId}/documents` }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a === 'customer' ? 403 : own || a === 'super_admin' ? 200 : 404),
    },
    'GET /api/v1/accounts/:id/documents/:documentId': {
      scope: 'object', request: (t) => ({ path: `/api/v1/accounts/${t.accountId}/documents/${t.documentId}` }),
      // admins own no document, so their "own" read finds none
      expect: (a, own) => (a === 'anonymous' ? 401 : a === 'customer' ? 403 : (own && a !== 'super_admin' && a !== 'ops_admin') || (!own && a === 'super_admin') ? 200 : 404),
    },
    'GET /api/v1/admin/accounts': { scope: 'none', request: () => ({ path: '/api/v1/admin/accounts' }), expect: adminWith(['super_admin', 'ops_admin'], 200) },
    'POST /api/v1/admin/accounts/:id/suspend': {
      scope: 'object', request: (t) => ({ path: `/api/v1/admin/accounts/${t.accountId}/suspend`, json: { reason: 'matrix test' } }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a !== 'super_admin' ? 403 : own ? 409 : 200),
      prepare: () => setSuspended(false),
    },
    'POST /api/v1/admin/accounts/:id/unsuspend': {
      scope: 'object', request: (t) => ({ path: `/api/v1/admin/accounts/${t.accountId}/unsuspend` }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a !== 'super_admin' ? 403 : own ? 409 : 200),
      prepare: () => setSuspended(true),
    },
    'POST /api/v1/admin/accounts/:id/verification': {
      scope: 'object', request: (t) => ({ path: `/api/v1/admin/accounts/${t.accountId}/verification`, json: { decision: 'approve', reason: 'matrix ok' } }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a !== 'super_admin' ? 403 : own ? 422 : 200),
      prepare: async () => {
        const { submitDocument } = app.system.composed.container.cradle;
        await submitDocument.execute(principalOf(victim), victim.session.accountId, { kind: 'id_card', contentType: 'image/png', bytes: PNG });
      },
    },
    'GET /api/v1/admin/couriers/:id/eligibility': { scope: 'object', request: (t) => ({ path: `/api/v1/admin/couriers/${t.accountId}/eligibility` }), expect: (a) => adminWith(['super_admin', 'ops_admin'], 200)(a) },
    'GET /api/v1/admin/store-zones': { scope: 'none', request: () => ({ path: `/api/v1/admin/store-zones?storeIds=${commerce.own.storeId},${commerce.foreign.storeId}` }), expect: adminWith(['super_admin', 'ops_admin'], 200) },
    'GET /api/v1/couriers/over-cash-limit': { scope: 'object', request: (t) => ({ path: `/api/v1/couriers/over-cash-limit?ids=${t.accountId}` }), expect: adminWith(['super_admin', 'ops_admin'], 200) },
    'GET /api/v1/couriers/nearby': { scope: 'none', request: () => ({ path: '/api/v1/couriers/nearby?lat=33.51&lng=36.28&radiusM=2000' }), expect: adminWith(['super_admin', 'ops_admin'], 200) },
    'GET /api/v1/admin/audit-log': { scope: 'none', request: () => ({ path: '/api/v1/admin/audit-log' }), expect: adminWith(['super_admin'], 200) },
    'GET /api/v1/admin/audit-log/:id': { scope: 'none', request: () => ({ path: `/api/v1/admin/audit-log/${auditId}` }), expect: adminWith(['super_admin'], 200) },
    // stores: owners their own, admins with stores:manage (super_admin; operations lacks it) any
    'POST /api/v1/stores': {
      scope: 'none', request: () => ({ path: '/api/v1/stores', json: { name: 'Matrix shop', address: '1 Straight St', location: { lat: 33.51, lng: 36.28 } } }),
      expect: (a) => (a === 'anonymous' ? 401 : a === 'store_owner' ? 201 : 403),
    },
    'GET /api/v1/stores': { scope: 'none', request: () => ({ path: '/api/v1/stores' }), expect: (a) => (a === 'anonymous' ? 401 : a === 'customer' || a === 'courier' ? 403 : 200) },
    'GET /api/v1/stores/:id': { scope: 'object', request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}` }), expect: storeReadable },
    'PATCH /api/v1/stores/:id': { scope: 'object', request: (t) => ({ method: 'PATCH', path: `/api/v1/stores/${commerceOf(t).storeId}`, json: { name: 'Renamed shop' } }), expect: storeReadable },
    'PUT /api/v1/stores/:id/logo': {
      scope: 'object', request: (t) => ({ method: 'PUT', path: `/api/v1/stores/${commerceOf(t).storeId}/logo`, body: catalog.png, headers: { 'content-type': 'image/png' } }), expect: storeReadable,
    },
    'DELETE /api/v1/stores/:id/logo': { scope: 'object', request: (t) => ({ method: 'DELETE', path: `/api/v1/stores/${commerceOf(t).storeId}/logo` }), expect: storeReadable },
    'POST /api/v1/stores/:id/documents': {
      scope: 'object', request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/documents?kind=business_license`, body: PNG, headers: { 'content-type': 'image/png' } }), expect: storeReadableWith(201),
    },
    // A store's documents: its owner, or a verifier (verification:decide: super_admin; operations lacks it).
    'GET /api/v1/stores/:id/documents/:documentId': {
      scope: 'object', request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/documents/${commerceOf(t).documentId}` }), expect: storeReadable,
    },
    // A logo URL carries its content hash; the fixture logo sits on a store no route above touches.
    'GET /api/v1/store-logos/:storeId/:file': { scope: 'none', request: () => ({ path: catalog.logoPath }), expect: () => 200 },
    // store verification: verification:decide (super_admin; operations lacks it). Repeating an approval is an idempotent 200.
    'GET /api/v1/admin/store-verifications': { scope: 'none', request: () => ({ path: '/api/v1/admin/store-verifications' }), expect: adminWith(['super_admin'], 200) },
    'POST /api/v1/admin/stores/:id/verification': {
      scope: 'none', request: () => ({ path: `/api/v1/admin/stores/${catalog.pendingStoreId}/verification`, json: { decision: 'approve' } }), expect: adminWith(['super_admin'], 200),
    },
    // public reads: anyone, listed stores only (both fixture stores are approved and open)
    'GET /api/v1/public/stores': { scope: 'none', request: () => ({ path: '/api/v1/public/stores' }), expect: () => 200 },
    'GET /api/v1/public/stores/:id': { scope: 'object', request: (t) => ({ path: `/api/v1/public/stores/${commerceOf(t).storeId}` }), expect: () => 200 },
    // categories: anyone reads; catalog:manage (super_admin) shapes the tree
    'GET /api/v1/categories': { scope: 'none', request: () => ({ path: '/api/v1/categories' }), expect: () => 200 },
    'GET /api/v1/categories/:id': { scope: 'none', request: () => ({ path: `/api/v1/categories/${catalog.categoryId}` }), expect: () => 200 },
    'GET /api/v1/categories/:id/products': { scope: 'none', request: () => ({ path: `/api/v1/categories/${catalog.categoryId}/products` }), expect: () => 200 },
    // product search: anyone
    'GET /api/v1/products/search': { scope: 'none', request: () => ({ path: `/api/v1/products/search?q=${encodeURIComponent('خبز')}` }), expect: () => 200 },
    'POST /api/v1/categories': {
      scope: 'none', request: () => ({ path: '/api/v1/categories', json: { slug: `matrix-${Math.random().toString(36).slice(2, 10)}`, name: { ar: 'فئة', en: 'Category' } } }),
      expect: adminWith(['super_admin'], 201),
    },
    'PATCH /api/v1/categories/:id': { scope: 'none', request: () => ({ method: 'PATCH', path: `/api/v1/categories/${catalog.categoryId}`, json: { rank: Math.floor(Math.random() * 1000) } }), expect: adminWith(['super_admin'], 200) },
    'DELETE /api/v1/categories/:id': {
      scope: 'none', request: () => ({ method: 'DELETE', path: `/api/v1/categories/${catalog.doomedCategoryId}` }), expect: adminWith(['super_admin'], 200),
      prepare: async () => {
        const { manageCategories } = app.system.composed.container.cradle;
        catalog.doomedCategoryId = (await manageCategories.create(superPrincipal(), { slug: `doomed-${Math.random().toString(36).slice(2, 10)}`, name: { ar: 'مؤقت', en: 'Temporary' } })).id;
      },
    },
    // products and stock: the store's owner, or stores:manage (super_admin; operations lacks it)
    'POST /api/v1/stores/:storeId/products': {
      scope: 'object',
      request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/products`, json: { name: { ar: 'منتج', en: 'Product' }, variants: [{ sku: `SKU-${Math.random().toString(36).slice(2, 10)}`, price: 100 }] } }),
      expect: storeReadableWith(201),
    },
    'GET /api/v1/stores/:storeId/products': { scope: 'object', request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/products` }), expect: storeReadable },
    'GET /api/v1/products/:id': { scope: 'object', request: (t) => ({ path: `/api/v1/products/${catalogOf(t).productId}` }), expect: storeReadable },
    'PATCH /api/v1/products/:id': { scope: 'object', request: (t) => ({ method: 'PATCH', path: `/api/v1/products/${catalogOf(t).productId}`, json: { attributes: { probe: String(Math.random()) } } }), expect: storeReadable },
    'POST /api/v1/products/:id/images': {
      scope: 'object', request: (t) => ({ path: `/api/v1/products/${catalogOf(t).productId}/images`, body: catalog.png, headers: { 'content-type': 'image/png' } }),
      expect: storeReadableWith(201),
    },
    'GET /api/v1/product-images/:productId/:imageId/:file': { scope: 'none', request: () => ({ path: catalog.imagePath }), expect: () => 200 },
    'GET /api/v1/variants/:variantId/stock': { scope: 'object', request: (t) => ({ path: `/api/v1/variants/${catalogOf(t).variantId}/stock` }), expect: storeReadable },
    'PATCH /api/v1/variants/:variantId/stock': { scope: 'object', request: (t) => ({ method: 'PATCH', path: `/api/v1/variants/${catalogOf(t).variantId}/stock`, json: { lowStockThreshold: 2 } }), expect: storeReadable },
    'POST /api/v1/variants/:variantId/stock/movements': {
      scope: 'object', request: (t) => ({ path: `/api/v1/variants/${catalogOf(t).variantId}/stock/movements`, json: { kind: 'receipt', quantity: 1, key: `matrix-${Math.random().toString(36).slice(2, 12)}` } }),
      expect: storeReadableWith(201),
    },
    'GET /api/v1/variants/:variantId/stock/movements': { scope: 'object', request: (t) => ({ path: `/api/v1/variants/${catalogOf(t).variantId}/stock/movements` }), expect: storeReadable },
    // deliveries: customer, store owner and assigned courier their own; deliveries:manage (both admins) any
    'POST /api/v1/deliveries': {
      scope: 'object',
      request: (t) => ({ path: '/api/v1/deliveries', json: { orderId: `order-${Math.random().toString(36).slice(2)}`, storeId: commerceOf(t).storeId, customerId: commerceOf(t).customerId, dropoff } }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a === 'customer' || a === 'courier' ? 403 : a === 'store_owner' && !own ? 404 : 201),
    },
    'GET /api/v1/deliveries': { scope: 'none', request: () => ({ path: '/api/v1/deliveries' }), expect: authed(200) },
    'GET /api/v1/deliveries/:id': { scope: 'object', request: (t) => ({ path: `/api/v1/deliveries/${commerceOf(t).deliveryId}` }), expect: deliveryReadable },
    'POST /api/v1/deliveries/:id/assign': {
      scope: 'object', request: (t) => ({ path: `/api/v1/deliveries/${commerceOf(t).deliveryId}/assign`, json: { courierId: commerce.own.courierId } }),
      expect: (a, own) => (a === 'customer' || a === 'courier' ? 403 : deliveryReadable(a, own)),
      prepare: () => resetDeliveries(),
    },
    'POST /api/v1/deliveries/:id/status': {
      scope: 'object',
      request: (t, a) => ({ path: `/api/v1/deliveries/${commerceOf(t).deliveryId}/status`, json: a === 'courier' ? { status: 'failed', reason: 'matrix probe' } : { status: 'cancelled', reason: 'matrix probe' } }),
      expect: (a, own) => (a === 'customer' ? 403 : deliveryReadable(a, own)),
      prepare: () => resetDeliveries(),
    },
    // dispatch manual control: dispatchers (deliveries:manage, both admins) any delivery; store owners assign on their own stores' (dispatch.storeOwnersAssign is on)
    'POST /api/v1/dispatch/deliveries/:id/assign': {
      // The own delivery already has this courier (an idempotent 200); the foreign one has the victim (CONFLICT already_assigned).
      scope: 'object', request: (t) => ({ path: `/api/v1/dispatch/deliveries/${commerceOf(t).deliveryId}/assign`, json: { courierId: commerce.own.courierId, reason: 'matrix probe' } }),
      expect: (a, own) => (a === 'customer' || a === 'courier' ? 403 : (a === 'super_admin' || a === 'ops_admin') && !own ? 409 : deliveryReadable(a, own)),
      prepare: () => resetDeliveries(),
    },
    'POST /api/v1/dispatch/deliveries/:id/reassign': {
      scope: 'object', request: (t) => ({ path: `/api/v1/dispatch/deliveries/${commerceOf(t).deliveryId}/reassign`, json: { courierId: commerce.own.courierId, reason: 'matrix probe' } }),
      expect: (a, own) => (a === 'customer' || a === 'courier' ? 403 : deliveryReadable(a, own)),
      prepare: () => resetDeliveries(),
    },
    'POST /api/v1/dispatch/deliveries/:id/unassign': {
      scope: 'object', request: (t) => ({ path: `/api/v1/dispatch/deliveries/${commerceOf(t).deliveryId}/unassign`, json: { reason: 'matrix probe' } }),
      expect: adminWith(['super_admin', 'ops_admin'], 200),
      prepare: () => resetDeliveries(),
    },
    'POST /api/v1/dispatch/deliveries/bulk': {
      scope: 'none', request: () => ({ path: '/api/v1/dispatch/deliveries/bulk', json: { reason: 'matrix probe', items: [{ deliveryId: commerce.own.deliveryId, action: 'reassign', courierId: commerce.own.courierId }] } }),
      expect: adminWith(['super_admin', 'ops_admin'], 200),
      prepare: () => resetDeliveries(),
    },
    'GET /api/v1/dispatch/stats': { scope: 'none', request: () => ({ path: '/api/v1/dispatch/stats?windowMinutes=30' }), expect: adminWith(['super_admin', 'ops_admin'], 200) },
    'GET /api/v1/dispatch/etas': { scope: 'none', request: () => ({ path: `/api/v1/dispatch/etas?deliveryIds=${commerce.own.deliveryId}` }), expect: adminWith(['super_admin', 'ops_admin'], 200) },
    'GET /api/v1/dispatch/offers': { scope: 'none', request: () => ({ path: '/api/v1/dispatch/offers?status=pending' }), expect: adminWith(['super_admin', 'ops_admin'], 200) },
    // store zones: the store's owner, or stores:manage (super_admin; operations lacks it)
    'PUT /api/v1/stores/:id/zone': { scope: 'object', request: (t) => ({ method: 'PUT', path: `/api/v1/stores/${commerceOf(t).storeId}/zone`, json: { kind: 'radius', center: { lat: 33.5, lng: 36.3 }, radiusM: 1_500 } }), expect: storeReadable },
    'GET /api/v1/stores/:id/zone': { scope: 'object', prepare: () => zonesOnBothStores(), request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/zone` }), expect: storeReadable },
    'DELETE /api/v1/stores/:id/zone': { scope: 'object', request: (t) => ({ method: 'DELETE', path: `/api/v1/stores/${commerceOf(t).storeId}/zone` }), expect: storeReadable },
    // who delivers to me: anyone with a point; from an address only its customer (others are told it does not exist)
    'GET /api/v1/stores/near': {
      scope: 'object', request: (t) => ({ path: `/api/v1/stores/near?addressId=${addressOf(t)}` }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a === 'customer' && own ? 200 : 404),
    },
    // addresses: customers their own; admins read any with accounts:read (both admin parties), write none
    'POST /api/v1/addresses': {
      scope: 'none', request: () => ({ path: '/api/v1/addresses', json: { label: 'Matrix home', line: '1 Straight St', point: { lat: 33.51, lng: 36.28 } } }),
      expect: (a) => (a === 'anonymous' ? 401 : a === 'customer' ? 201 : 403),
    },
    'GET /api/v1/addresses': {
      scope: 'none', request: (_t, a) => ({ path: `/api/v1/addresses${a === 'super_admin' || a === 'ops_admin' ? `?customerId=${parties.customer.session.accountId}` : ''}` }),
      expect: (a) => (a === 'anonymous' ? 401 : a === 'store_owner' || a === 'courier' ? 403 : 200),
    },
    'GET /api/v1/addresses/:id': { scope: 'object', request: (t) => ({ path: `/api/v1/addresses/${addressOf(t)}` }), expect: (a, own) => (a === 'super_admin' || a === 'ops_admin' ? 200 : addressWritable(a, own)) },
    'PATCH /api/v1/addresses/:id': { scope: 'object', request: (t) => ({ method: 'PATCH', path: `/api/v1/addresses/${addressOf(t)}`, json: { notes: 'matrix probe' } }), expect: addressWritable },
    'POST /api/v1/addresses/:id/default': { scope: 'object', request: (t) => ({ path: `/api/v1/addresses/${addressOf(t)}/default` }), expect: addressWritable },
    'DELETE /api/v1/addresses/:id': { scope: 'object', request: (t) => ({ method: 'DELETE', path: `/api/v1/addresses/${addressOf(t)}` }), expect: addressWritable },
    // cart: a customer their own, a guest by its cart token; couriers, store owners and admins have no cart (403)
    'POST /api/v1/cart/guest': { scope: 'none', request: () => ({ path: '/api/v1/cart/guest' }), expect: (a) => (a === 'anonymous' ? 201 : 403) },
    'GET /api/v1/cart': { scope: 'none', request: () => ({ path: '/api/v1/cart' }), expect: cartOnly(200) },
    // The fixture product is a draft: a customer passes the access check and meets the product rule.
    'POST /api/v1/cart/lines': { scope: 'none', request: () => ({ path: '/api/v1/cart/lines', json: { variantId: catalog.own.variantId, quantity: 1 } }), expect: cartOnly(422) },
    'PATCH /api/v1/cart/lines/:variantId': { scope: 'none', request: () => ({ method: 'PATCH', path: `/api/v1/cart/lines/${catalog.own.variantId}`, json: { quantity: 2 } }), expect: cartOnly(404) },
    'DELETE /api/v1/cart/lines/:variantId': { scope: 'none', request: () => ({ method: 'DELETE', path: `/api/v1/cart/lines/${catalog.own.variantId}` }), expect: cartOnly(200) },
    // Addresses of their own (the address routes above delete the address book's fixture).
    'PUT /api/v1/cart/destination': {
      scope: 'object', request: (t) => ({ method: 'PUT', path: '/api/v1/cart/destination', json: { addressId: t.accountId === victim.session.accountId ? cartAddresses.foreign : cartAddresses.own } }), expect: addressWritable,
    },
    'POST /api/v1/cart/merge': {
      scope: 'none', request: () => ({ path: '/api/v1/cart/merge', headers: { 'x-cart-token': guestToken } }), expect: cartOnly(200),
      prepare: async () => {
        guestToken = (await http(`${app.url}/api/v1/cart/guest`, { method: 'POST' })).body.data.cartToken;
      },
    },
    // checkout: customers only, on their own cart (none here: CART_EMPTY); the key is per caller, so no one reaches another's checkout
    'POST /api/v1/checkout': {
      scope: 'none', request: (_t, a) => ({ path: '/api/v1/checkout', json: { paymentMethod: 'cash' }, headers: { 'Idempotency-Key': `matrix-${a}-${Date.now()}-${Math.random()}` } }),
      expect: (a) => (a === 'anonymous' ? 401 : a === 'customer' ? 422 : 403),
    },
    // settings: anyone reads the public ones; settings:read (both admin parties) reads all; settings:write (super_admin) changes them
    'GET /api/v1/settings': { scope: 'none', request: () => ({ path: '/api/v1/settings' }), expect: () => 200 },
    'GET /api/v1/admin/settings': { scope: 'none', request: () => ({ path: '/api/v1/admin/settings' }), expect: adminWith(['super_admin', 'ops_admin'], 200) },
    'GET /api/v1/admin/settings/:key': { scope: 'none', request: () => ({ path: '/api/v1/admin/settings/delivery.feeBands' }), expect: adminWith(['super_admin', 'ops_admin'], 200) },
    'PUT /api/v1/admin/settings/:key': {
      // The same value every time: a repeat is an idempotent 200, so the row holds however often the suite runs it.
      scope: 'none', request: () => ({ method: 'PUT', path: '/api/v1/admin/settings/order.autoRejectMinutes', json: { value: 12, expectedVersion: 0 } }),
      expect: adminWith(['super_admin'], 200),
    },
    // finance: a customer their wallet, a courier their earnings, a store owner their stores' payables; finance:manage admins (super_admin) any
    'GET /api/v1/finance/accounts': { scope: 'none', request: () => ({ path: '/api/v1/finance/accounts' }), expect: (a) => (a === 'anonymous' ? 401 : a === 'super_admin' || a === 'ops_admin' ? 403 : 200) },
    'GET /api/v1/finance/accounts/:accountId': {
      scope: 'object', request: (t, a) => ({ path: `/api/v1/finance/accounts/${ledgerAccountOf(t, a)}` }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a === 'super_admin' || (own && a !== 'ops_admin') ? 200 : 404),
    },
    'GET /api/v1/finance/accounts/:accountId/statement': {
      scope: 'object', request: (t, a) => ({ path: `/api/v1/finance/accounts/${ledgerAccountOf(t, a)}/statement` }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a === 'super_admin' || (own && a !== 'ops_admin') ? 200 : 404),
    },
    'GET /api/v1/admin/finance/accounts': { scope: 'none', request: () => ({ path: `/api/v1/admin/finance/accounts?ownerId=${victim.session.accountId}` }), expect: adminWith(['super_admin'], 200) },
    'GET /api/v1/admin/finance/revenue': { scope: 'none', request: () => ({ path: '/api/v1/admin/finance/revenue' }), expect: adminWith(['super_admin'], 200) },
    // wallet: a customer only their own (no route names another customer); finance:manage admins (super_admin) any customer's
    'GET /api/v1/wallet': { scope: 'none', request: () => ({ path: '/api/v1/wallet' }), expect: cartOnly(200) },
    'GET /api/v1/wallet/statement': { scope: 'none', request: () => ({ path: '/api/v1/wallet/statement' }), expect: cartOnly(200) },
    'GET /api/v1/wallet/top-ups': { scope: 'none', request: () => ({ path: '/api/v1/wallet/top-ups' }), expect: cartOnly(200) },
    'POST /api/v1/wallet/top-ups': {
      // Below the minimum top-up: a customer gets past authorization to the coded refusal, and no card is charged.
      scope: 'none', request: (_t, a) => ({ path: '/api/v1/wallet/top-ups', json: { amountMinor: 1, paymentMethodToken: 'pm_card_visa' }, headers: { 'Idempotency-Key': `matrix-${a}-${Date.now()}-${Math.random()}` } }),
      expect: cartOnly(422),
    },
    'GET /api/v1/admin/customers/:customerId/wallet': { scope: 'none', request: () => ({ path: `/api/v1/admin/customers/${commerce.foreign.customerId}/wallet` }), expect: adminWith(['super_admin'], 200) },
    'GET /api/v1/admin/customers/:customerId/wallet/statement': { scope: 'none', request: () => ({ path: `/api/v1/admin/customers/${commerce.foreign.customerId}/wallet/statement` }), expect: adminWith(['super_admin'], 200) },
    // payments: the paying customer, the store's owner and the assigned courier read; payments:read / payments:refund admins (super_admin) any
    'GET /api/v1/orders/:orderId/payment': {
      scope: 'object', request: (t) => ({ path: `/api/v1/orders/${paymentOrderOf(t)}/payment` }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a === 'super_admin' || (own && a !== 'ops_admin') ? 200 : 404),
    },
    'POST /api/v1/orders/:orderId/payment/refunds': {
      // A cash payment not yet collected: the one admin allowed gets as far as the payment's own rule (nothing captured).
      scope: 'object', request: (t) => ({ path: `/api/v1/orders/${paymentOrderOf(t)}/payment/refunds`, json: { reason: 'matrix probe' } }),
      expect: adminWith(['super_admin'], 409),
    },
    'POST /api/v1/orders/:orderId/payment/cash-collected': {
      // The own delivery is assigned, not yet picked up: the courier on it gets as far as that rule.
      scope: 'object', request: (t) => ({ path: `/api/v1/orders/${paymentOrderOf(t)}/payment/cash-collected` }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a !== 'courier' ? 403 : own ? 409 : 404),
    },
    // orders: the customer their own, the store owner their stores', orders:manage (both admins) any; couriers none
    'GET /api/v1/orders': { scope: 'none', request: () => ({ path: '/api/v1/orders' }), expect: (a) => (a === 'anonymous' ? 401 : a === 'courier' ? 403 : 200) },
    'GET /api/v1/orders/:id': { scope: 'object', prepare: () => freshOrders('placed'), request: (t) => ({ path: `/api/v1/orders/${orderOf(t)}` }), expect: (a, own) => orderMovable(a, own, true) },
    'POST /api/v1/orders/:id/confirm': { scope: 'object', prepare: () => freshOrders('placed'), request: (t) => ({ path: `/api/v1/orders/${orderOf(t)}/confirm` }), expect: (a, own) => orderMovable(a, own, false) },
    'POST /api/v1/orders/:id/reject': { scope: 'object', prepare: () => freshOrders('placed'), request: (t) => ({ path: `/api/v1/orders/${orderOf(t)}/reject`, json: { reason: 'matrix probe' } }), expect: (a, own) => orderMovable(a, own, false) },
    'POST /api/v1/orders/:id/preparing': { scope: 'object', prepare: () => freshOrders('confirmed'), request: (t) => ({ path: `/api/v1/orders/${orderOf(t)}/preparing` }), expect: (a, own) => orderMovable(a, own, false) },
    'POST /api/v1/orders/:id/ready': { scope: 'object', prepare: () => freshOrders('preparing'), request: (t) => ({ path: `/api/v1/orders/${orderOf(t)}/ready` }), expect: (a, own) => orderMovable(a, own, false) },
    'POST /api/v1/orders/:id/cancel': { scope: 'object', prepare: () => freshOrders('placed'), request: (t) => ({ path: `/api/v1/orders/${orderOf(t)}/cancel`, json: { reason: 'matrix probe' } }), expect: (a, own) => orderMovable(a, own, true) },
    // outgoing webhooks: each call finds an endpoint with a failed message on both stores (deleted or replayed ones are made again)
    'GET /api/v1/webhooks/event-types': { scope: 'none', request: () => ({ path: '/api/v1/webhooks/event-types' }), expect: (a) => hookable(200)(a, true) },
    'POST /api/v1/webhooks/endpoints': {
      scope: 'object', request: (t) => ({ path: '/api/v1/webhooks/endpoints', json: { storeId: commerceOf(t).storeId, url: 'http://127.0.0.1:9/matrix', eventTypes: ['ordering.order.placed'] } }), expect: hookable(201),
    },
    'GET /api/v1/webhooks/endpoints': { scope: 'none', request: () => ({ path: '/api/v1/webhooks/endpoints' }), expect: (a) => hookable(200)(a, true) },
    'GET /api/v1/webhooks/endpoints/:id': { scope: 'object', prepare: () => freshHooks(), request: (t) => ({ path: `/api/v1/webhooks/endpoints/${hookOf(t).endpointId}` }), expect: hookable(200) },
    'PATCH /api/v1/webhooks/endpoints/:id': {
      scope: 'object', prepare: () => freshHooks(), request: (t) => ({ method: 'PATCH', path: `/api/v1/webhooks/endpoints/${hookOf(t).endpointId}`, json: { description: 'matrix probe' } }), expect: hookable(200),
    },
    'DELETE /api/v1/webhooks/endpoints/:id': { scope: 'object', prepare: () => freshHooks(), request: (t) => ({ method: 'DELETE', path: `/api/v1/webhooks/endpoints/${hookOf(t).endpointId}` }), expect: hookable(200) },
    'GET /api/v1/webhooks/endpoints/:id/secret': { scope: 'object', prepare: () => freshHooks(), request: (t) => ({ path: `/api/v1/webhooks/endpoints/${hookOf(t).endpointId}/secret` }), expect: hookable(200) },
    'POST /api/v1/webhooks/endpoints/:id/secret/rotate': {
      scope: 'object', prepare: () => freshHooks(), request: (t) => ({ path: `/api/v1/webhooks/endpoints/${hookOf(t).endpointId}/secret/rotate`, json: { overlapMinutes: 0 } }), expect: hookable(200),
    },
    'GET /api/v1/webhooks/endpoints/:id/messages': { scope: 'object', prepare: () => freshHooks(), request: (t) => ({ path: `/api/v1/webhooks/endpoints/${hookOf(t).endpointId}/messages` }), expect: hookable(200) },
    'GET /api/v1/webhooks/endpoints/:id/messages/:messageId': {
      scope: 'object', prepare: () => freshHooks(), request: (t) => ({ path: `/api/v1/webhooks/endpoints/${hookOf(t).endpointId}/messages/${hookOf(t).messageId}` }), expect: hookable(200),
    },
    'POST /api/v1/webhooks/endpoints/:id/messages/:messageId/replay': {
      scope: 'object', prepare: () => freshHooks(true), request: (t) => ({ path: `/api/v1/webhooks/endpoints/${hookOf(t).endpointId}/messages/${hookOf(t).messageId}/replay` }), expect: hookable(202),
    },
    'POST /api/v1/webhooks/endpoints/:id/recover': {
      scope: 'object', prepare: () => freshHooks(), request: (t) => ({ path: `/api/v1/webhooks/endpoints/${hookOf(t).endpointId}/recover`, json: { since: new Date(Date.now() - 60_000).toISOString() } }), expect: hookable(202),
    },
    'POST /api/v1/payments/webhooks/stripe': {
      // Public; no Stripe is configured in this app, so no signature can verify.
      scope: 'none', request: () => ({ path: '/api/v1/payments/webhooks/stripe', json: { id: 'evt_1', type: 'payment_intent.succeeded' }, headers: { 'stripe-signature': 't=1,v1=00' } }),
      expect: () => 400,
    },
    // notifications: everyone their own preferences, devices and inbox; templates and bulk sends need notifications:manage (super_admin)
    'GET /api/v1/notifications/preferences': { scope: 'none', request: () => ({ path: '/api/v1/notifications/preferences' }), expect: authed(200) },
    'PATCH /api/v1/notifications/preferences': { scope: 'none', request: () => ({ method: 'PATCH', path: '/api/v1/notifications/preferences', json: { quietHours: { start: '23:00', end: '06:00' } } }), expect: authed(200) },
    'POST /api/v1/notifications/devices': { scope: 'none', request: (_t, a) => ({ path: '/api/v1/notifications/devices', json: { token: `matrix-new-${a}`, platform: 'ios', appVersion: '1.0.0' } }), expect: authed(201) },
    'GET /api/v1/notifications/devices': { scope: 'none', request: () => ({ path: '/api/v1/notifications/devices' }), expect: authed(200) },
    'DELETE /api/v1/notifications/devices/:token': {
      scope: 'object', request: (t) => ({ method: 'DELETE', path: `/api/v1/notifications/devices/matrix-dev-${t.accountId}` }),
      expect: (a, own) => (a === 'anonymous' ? 401 : own ? 200 : 404),
      prepare: async () => {
        const { pushDevices } = app.system.composed.container.cradle;
        for (const id of [...Object.values(parties).map((p) => p.session.accountId), victim.session.accountId]) {
          await pushDevices.upsert({ token: `matrix-dev-${id}`, accountId: id, platform: 'android', appVersion: '1.0.0', lastSeenAt: new Date(), createdAt: new Date() });
        }
      },
    },
    // finance: store payout routes for the store's owner and finance:manage admins (super_admin); couriers' for themselves and the same admins
    'PUT /api/v1/stores/:storeId/bank-account': { scope: 'object', request: (t) => ({ method: 'PUT', path: `/api/v1/stores/${commerceOf(t).storeId}/bank-account`, json: { holderName: 'Matrix Shop', iban: MATRIX_IBAN } }), expect: storePayable(200) },
    'GET /api/v1/stores/:storeId/bank-account': { scope: 'object', request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/bank-account` }), expect: storePayable(200), prepare: () => bankAccountsForAll() },
    'GET /api/v1/stores/:storeId/payouts/balance': { scope: 'object', request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/payouts/balance` }), expect: storePayable(200) },
    'GET /api/v1/stores/:storeId/payouts': { scope: 'object', request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/payouts` }), expect: storePayable(200) },
    // the fixture stores have no money: an allowed request is refused for the balance (422), which proves it got past role and ownership
    'POST /api/v1/stores/:storeId/payouts': {
      scope: 'object', request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/payouts`, json: { payoutId: `matrix-${Math.random().toString(36).slice(2)}`, amountMinor: 100_000 } }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a !== 'store_owner' ? 403 : own ? 422 : 404), prepare: () => bankAccountsForAll(),
    },
    'PUT /api/v1/couriers/:courierId/bank-account': { scope: 'object', request: (t) => ({ method: 'PUT', path: `/api/v1/couriers/${t.accountId}/bank-account`, json: { holderName: 'Matrix Courier', iban: MATRIX_IBAN } }), expect: courierPayable(200) },
    'GET /api/v1/couriers/:courierId/bank-account': { scope: 'object', request: (t) => ({ path: `/api/v1/couriers/${t.accountId}/bank-account` }), expect: courierPayable(200), prepare: () => bankAccountsForAll() },
    'GET /api/v1/couriers/:courierId/payouts/balance': { scope: 'object', request: (t) => ({ path: `/api/v1/couriers/${t.accountId}/payouts/balance` }), expect: courierPayable(200) },
    'GET /api/v1/couriers/:courierId/payouts': { scope: 'object', request: (t) => ({ path: `/api/v1/couriers/${t.accountId}/payouts` }), expect: courierPayable(200) },
    'POST /api/v1/couriers/:courierId/payouts': {
      scope: 'object', request: (t) => ({ path: `/api/v1/couriers/${t.accountId}/payouts`, json: { payoutId: `matrix-${Math.random().toString(36).slice(2)}`, amountMinor: 100_000 } }),
      expect: (a, own) => (a === 'anonymous' ? 401 : a !== 'courier' ? 403 : own ? 422 : 404), prepare: () => bankAccountsForAll(),
    },
    'GET /api/v1/couriers/:courierId/remittances': { scope: 'object', request: (t) => ({ path: `/api/v1/couriers/${t.accountId}/remittances` }), expect: courierPayable(200) },
    // no courier holds cash here: an allowed remittance is refused as more than held (422)
    'POST /api/v1/admin/couriers/:courierId/remittances': {
      scope: 'object', request: (t) => ({ path: `/api/v1/admin/couriers/${t.accountId}/remittances`, json: { remittanceId: `matrix-${Math.random().toString(36).slice(2)}`, amountMinor: 1_000, method: 'office' } }),
      expect: adminWith(['super_admin'], 422),
    },
    'GET /api/v1/admin/payouts': { scope: 'none', request: () => ({ path: '/api/v1/admin/payouts?status=requested' }), expect: adminWith(['super_admin'], 200) },
    'POST /api/v1/admin/payouts/:payoutId/approve': { scope: 'none', request: () => ({ path: '/api/v1/admin/payouts/matrix-none/approve', json: {} }), expect: adminWith(['super_admin'], 404) },
    'POST /api/v1/admin/payouts/:payoutId/reject': { scope: 'none', request: () => ({ path: '/api/v1/admin/payouts/matrix-none/reject', json: { reason: 'matrix' } }), expect: adminWith(['super_admin'], 404) },
    'POST /api/v1/admin/payouts/batches': { scope: 'none', request: () => ({ path: '/api/v1/admin/payouts/batches', json: { batchId: `matrix-${Math.random().toString(36).slice(2)}` } }), expect: adminWith(['super_admin'], 202) },
    // commission rules: finance:manage admins (super_admin) only; an order's commission lines also its store's owner (others: 404)
    'GET /api/v1/admin/commission-rules': { scope: 'none', request: () => ({ path: '/api/v1/admin/commission-rules?scopeType=default' }), expect: adminWith(['super_admin'], 200) },
    'POST /api/v1/admin/commission-rules': { scope: 'none', request: () => ({ path: '/api/v1/admin/commission-rules', json: { scope: { type: 'store', id: 'matrix-store' }, rateBps: 100 } }), expect: adminWith(['super_admin'], 201) },
    'GET /api/v1/admin/commission-rules/:ruleId': { scope: 'none', request: () => ({ path: '/api/v1/admin/commission-rules/setting%3Adefault' }), expect: adminWith(['super_admin'], 200) },
    'PATCH /api/v1/admin/commission-rules/:ruleId': {
      scope: 'none', request: () => ({ method: 'PATCH', path: `/api/v1/admin/commission-rules/${matrixRuleId}`, json: { expectedVersion: 1, rateBps: 200 } }), expect: adminWith(['super_admin'], 200),
      prepare: freshCommissionRule,
    },
    'DELETE /api/v1/admin/commission-rules/:ruleId': {
      scope: 'none', request: () => ({ method: 'DELETE', path: `/api/v1/admin/commission-rules/${matrixRuleId}?expectedVersion=1` }), expect: adminWith(['super_admin'], 200),
      prepare: freshCommissionRule,
    },
    'GET /api/v1/orders/:id/commission': {
      scope: 'object', request: (t) => ({ path: `/api/v1/orders/${orderOf(t)}/commission` }), expect: storePayable(200),
      prepare: async () => {
        if (!orderFixtures.own) await freshOrders('placed');
      },
    },
    // statements and payout histories (files): the store's owner or the courier, and finance:manage admins
    'POST /api/v1/payouts/webhooks/stripe-connect': {
      // Public; this app pays by bank CSV, which takes no webhooks: nothing verifies.
      scope: 'none', request: () => ({ path: '/api/v1/payouts/webhooks/stripe-connect', json: { id: 'evt_1', type: 'transfer.updated' }, headers: { 'stripe-signature': 't=1,v1=00' } }),
      expect: () => 400,
    },
    'GET /api/v1/stores/:storeId/statements': { scope: 'object', request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/statements?format=csv` }), expect: storePayable(200) },
    'GET /api/v1/stores/:storeId/payouts/history': { scope: 'object', request: (t) => ({ path: `/api/v1/stores/${commerceOf(t).storeId}/payouts/history?format=pdf` }), expect: storePayable(200) },
    'GET /api/v1/couriers/:courierId/statements': { scope: 'object', request: (t) => ({ path: `/api/v1/couriers/${t.accountId}/statements?format=pdf` }), expect: courierPayable(200) },
    'GET /api/v1/couriers/:courierId/payouts/history': { scope: 'object', request: (t) => ({ path: `/api/v1/couriers/${t.accountId}/payouts/history?format=csv` }), expect: courierPayable(200) },
    'GET /api/v1/notifications/inbox': { scope: 'none', request: () => ({ path: '/api/v1/notifications/inbox?limit=5' }), expect: authed(200) },
    'POST /api/v1/notifications/inbox/read': { scope: 'none', request: () => ({ path: '/api/v1/notifications/inbox/read', json: {} }), expect: authed(200) },
    'GET /api/v1/admin/notification-templates': { scope: 'none', request: () => ({ path: '/api/v1/admin/notification-templates' }), expect: adminWith(['super_admin'], 200) },
    'PUT /api/v1/admin/notification-templates/:eventType/:channel/:locale': {
      scope: 'none', request: () => ({ method: 'PUT', path: '/api/v1/admin/notification-templates/ordering.order.confirmed/in_app/en', json: { title: 'Accepted', body: 'Order {{orderNumber}} accepted' } }),
      expect: adminWith(['super_admin'], 200),
    },
    'DELETE /api/v1/admin/notification-templates/:eventType/:channel/:locale': {
      scope: 'none', request: () => ({ method: 'DELETE', path: '/api/v1/admin/notification-templates/ordering.order.confirmed/push/en' }),
      expect: adminWith(['super_admin'], 200),
      prepare: async () => void (await app.system.composed.container.cradle.manageTemplates.save(superPrincipal(), { eventType: 'ordering.order.confirmed', channel: 'push', locale: 'en' }, { title: 'Accepted', body: 'Order {{orderNumber}}' })),
    },
    'POST /api/v1/admin/notifications/bulk': {
      scope: 'none', request: () => ({ path: '/api/v1/admin/notifications/bulk', json: { segment: { role: 'courier' }, channels: ['in_app'], content: { en: { title: 'Matrix', body: 'probe' } } } }),
      expect: adminWith(['super_admin'], 202),
    },
    'GET /api/v1/admin/notifications/bulk/:id': {
      scope: 'none', request: () => ({ path: `/api/v1/admin/notifications/bulk/${bulkId}` }), expect: adminWith(['super_admin'], 200),
      prepare: async () => {
        bulkId ||= (await app.system.composed.container.cradle.createBulkSend.execute(superPrincipal(), { segment: { role: 'store_owner' }, channels: ['in_app'], category: 'announcements', content: { en: { title: 'Matrix', body: 'probe' } } })).id;
      },
    },
  };
  let bulkId = '';
  /** A new commission rule (version 1) for the route that changes or deletes one. */
  let matrixRuleId = '';
  async function freshCommissionRule(): Promise<void> {
    const finance = { ...superPrincipal(), permissions: ['finance:manage'] };
    matrixRuleId = (await app.system.composed.container.cradle.commissionRules.create(finance, { scope: { type: 'category', id: 'matrix-category' }, rateBps: 300 })).id;
  }

  /** Orders: `own` in the store owner party's store for the customer party, `foreign` in the rival's store for another customer. */
  const orderFixtures = {} as Record<'own' | 'foreign', string>;
  const orderOf = (t: Target) => (t.accountId === victim.session.accountId ? orderFixtures.foreign : orderFixtures.own);
  /** Couriers have no orders (403); the customer may read and cancel (`customerMay`), staff and orders:manage move them. */
  const orderMovable = (a: Actor, own: boolean, customerMay: boolean) =>
    a === 'anonymous' ? 401 : a === 'courier' || (a === 'customer' && !customerMay) ? 403 : a === 'super_admin' || a === 'ops_admin' || own ? 200 : 404;
  /** A new order in each store, moved by an orders:manage admin to `stage`, so every call finds the status its route expects. */
  async function freshOrders(stage: 'placed' | 'confirmed' | 'preparing'): Promise<void> {
    const { placeOrders, transitionOrder } = app.system.composed.container.cradle;
    const ops = { ...superPrincipal(), permissions: ['orders:manage'] };
    for (const side of ['own', 'foreign'] as const) {
      const customerId = side === 'own' ? parties.customer.session.accountId : commerce.foreign.customerId;
      const [order] = await placeOrders.execute(checkoutOf(customerId, [commerce[side].storeId]));
      if (stage !== 'placed') await transitionOrder.confirm(ops, order!.id);
      if (stage === 'preparing') await transitionOrder.startPreparing(ops, order!.id);
      orderFixtures[side] = order!.id;
    }
  }

  /** An endpoint on each commerce store (made again when a route deleted it) holding a failed message (a new one when `newMessage`). */
  async function freshHooks(newMessage = false): Promise<void> {
    const { manageWebhookEndpoints, webhookEndpoints, webhookMessages } = app.system.composed.container.cradle;
    const admin = { ...superPrincipal(), permissions: ['webhooks:manage'] };
    for (const side of ['own', 'foreign'] as const) {
      const current = hooks[side];
      const alive = current && (await webhookEndpoints.findById(current.endpointId));
      const endpointId = alive ? current.endpointId : (await manageWebhookEndpoints.create(admin, { storeId: commerce[side].storeId, url: 'http://127.0.0.1:9/matrix', eventTypes: ['ordering.order.placed'] })).endpoint.id;
      if (alive && !newMessage) continue;
      const [m] = await webhookMessages.createMany([WebhookMessage.create({ id: `msg_${Math.random().toString(16).slice(2).padEnd(16, '0')}${Date.now().toString(16).padStart(16, '0')}`, endpointId, eventId: `matrix-${Math.random()}`, eventType: 'ordering.order.placed', aggregateId: 'order:matrix', sequence: 1, occurredAt: new Date().toISOString(), body: '{}', at: new Date() })]);
      const v = m!.version;
      m!.giveUp(new Date());
      await webhookMessages.save(m!, v);
      hooks[side] = { endpointId, messageId: m!.id };
    }
  }

  /** A cash payment (no provider) on the order of a fixture delivery. */
  async function cashPaymentOn(f: { storeId: string; deliveryId: string; customerId: string }): Promise<string> {
    const { deliveries, authorizePayment } = app.system.composed.container.cradle;
    const orderId = (await deliveries.findById(f.deliveryId))!.toProps().orderId;
    await authorizePayment.execute({ orderId, checkoutId: `co-${orderId}`, customerId: f.customerId, storeId: f.storeId, method: 'cash', amountMinor: 12_000, currency: 'SYP', idempotencyKey: `matrix:${orderId}` });
    return orderId;
  }

  const superPrincipal = () => ({ accountId: parties.super_admin.session.accountId, role: 'admin' as const, permissions: ['catalog:manage', 'stores:manage'], sessionId: 's', tokenId: 't', expiresAt: 0 });
  /** A product with one variant and one picture in the store. */
  async function productIn(storeId: string) {
    const { manageProducts, addProductImage } = app.system.composed.container.cradle;
    const p = await manageProducts.create(superPrincipal(), storeId, { name: { ar: 'خبز', en: 'Bread' }, variants: [{ sku: `FIX-${Math.random().toString(36).slice(2, 10)}`, price: 250 }] });
    const withImage = await addProductImage.execute(superPrincipal(), p.id, catalog.png, null);
    const img = withImage.images[0]!;
    const thumb = img.files.thumb!;
    catalog.imagePath = `/api/v1/product-images/${p.id}/${img.id}/thumb-${thumb.sha256.slice(0, 16)}.jpg`;
    return { productId: p.id, variantId: p.variants[0]!.id };
  }
  /** Documents, then approval: the store becomes listed. */
  async function approve(storeId: string): Promise<string> {
    const { submitStoreDocument, decideStoreVerification } = app.system.composed.container.cradle;
    const submitted = await submitStoreDocument.execute(superPrincipal(), storeId, { kind: 'business_license', contentType: 'image/png', bytes: PNG });
    await decideStoreVerification.execute(superPrincipal(), storeId, { decision: 'approve' });
    return submitted.verification.documents[0]!.id;
  }
  /** Another store of `owner`: pending review, or approved. */
  async function storeIn(owner: Session, opts: { approve: boolean }): Promise<string> {
    const id = (await http(`${app.url}/api/v1/stores`, { method: 'POST', token: owner.accessToken, json: { name: 'Fixture shop', address: '4 Curve St', location: { lat: 33.5, lng: 36.3 } } })).body.data.id as string;
    if (opts.approve) await approve(id);
    else await app.system.composed.container.cradle.submitStoreDocument.execute(superPrincipal(), id, { kind: 'business_license', contentType: 'image/png', bytes: PNG });
    return id;
  }
  const principalOf = (p: Party) => ({ accountId: p.session.accountId, role: 'courier' as const, permissions: [], sessionId: p.session.sessionId, tokenId: 't', expiresAt: 0 });
  async function setSuspended(suspended: boolean): Promise<void> {
    const { accounts, clock } = app.system.composed.container.cradle;
    const acc = (await accounts.findById(victim.session.accountId))!;
    if (suspended === (acc.status === 'suspended')) return;
    if (suspended) acc.suspend('matrix setup', null, clock.now());
    else acc.unsuspend(clock.now());
    await accounts.save(acc);
  }

  /** Both fixture stores with a zone (through the use case, as an admin with stores:manage). */
  async function zonesOnBothStores(): Promise<void> {
    const { manageStoreZone } = app.system.composed.container.cradle;
    for (const f of [commerce.own, commerce.foreign]) await manageStoreZone.set(superPrincipal(), f.storeId, { kind: 'radius', center: { lat: 33.5, lng: 36.3 }, radiusM: 1_000 });
  }

  /** Both fixture deliveries back to assigned, each to its courier. */
  async function resetDeliveries(): Promise<void> {
    const { deliveries } = app.system.composed.container.cradle;
    for (const f of [commerce.own, commerce.foreign]) {
      const p = (await deliveries.findById(f.deliveryId))!.toProps();
      if (p.status === 'assigned' && p.courierId === f.courierId) continue;
      await deliveries.save(Delivery.restore({ ...p, status: 'assigned', courierId: f.courierId, reason: null, version: p.version + 1 }), p.version);
    }
  }

  /** A store with one delivery assigned to `courierId` (assigned through the repository: the victim courier is not eligible). */
  async function storeWithDelivery(owner: Session, customerId: string, courierId: string) {
    const store = await http(`${app.url}/api/v1/stores`, { method: 'POST', token: owner.accessToken, json: { name: 'Fixture shop', address: '2 Curve St', location: { lat: 33.5, lng: 36.3 } } });
    const created = await http(`${app.url}/api/v1/deliveries`, { method: 'POST', token: owner.accessToken, json: { orderId: `order-${owner.accountId}`, storeId: store.body.data.id, customerId, dropoff } });
    const { deliveries, clock } = app.system.composed.container.cradle;
    const d = (await deliveries.findById(created.body.data.id))!;
    const v = d.version;
    d.assign(courierId, clock.now());
    await deliveries.save(d, v);
    return { storeId: store.body.data.id as string, deliveryId: d.id, customerId, courierId };
  }

  /** The courier party may be assigned: complete profile, approved documents. */
  async function makeEligible(courierId: string): Promise<void> {
    const { accounts, clock } = app.system.composed.container.cradle;
    const acc = (await accounts.findById(courierId))!;
    acc.updateProfile({ name: 'Matrix Courier', vehicleType: 'motorbike', capacityKg: 20 }, clock.now());
    acc.decideVerification('approve', 'matrix fixture', 'matrix', clock.now());
    await accounts.save(acc);
  }

  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000', RATE_LIMIT_ANON_PER_MIN: '10000', WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: 'true' } });
    for (const role of SELF) {
      const s = await signUp(app, role);
      let documentId: string | null = null;
      if (role !== 'customer') {
        const up = await http(`${app.url}/api/v1/accounts/${s.accountId}/documents?kind=id_card`, { method: 'POST', token: s.accessToken, headers: { 'content-type': 'image/png' }, body: PNG });
        documentId = up.body.data.id;
      }
      parties[role] = { session: s, phone: s.phone, documentId };
    }
    for (const [actor, adminRole] of [['super_admin', 'super_admin'], ['ops_admin', 'operations']] as const) {
      const s = await signUpAdmin(app, adminRole);
      parties[actor] = { session: s, phone: s.phone, documentId: null };
    }
    const v = await signUp(app, 'courier');
    const up = await http(`${app.url}/api/v1/accounts/${v.accountId}/documents?kind=id_card`, { method: 'POST', token: v.accessToken, headers: { 'content-type': 'image/png' }, body: PNG });
    victim = { session: v, phone: v.phone, documentId: up.body.data.id };
    auditId = (await app.system.composed.container.cradle.recordAuditEntry.execute({ actor: { id: null, role: 'system' }, action: 'system.matrix_probe', resource: { type: 'process', id: null } })).id;
    await makeEligible(parties.courier.session.accountId);
    commerce.own = await storeWithDelivery(parties.store_owner.session, parties.customer.session.accountId, parties.courier.session.accountId);
    const [rival, otherCustomer] = [await signUp(app, 'store_owner'), await signUp(app, 'customer')];
    commerce.foreign = await storeWithDelivery(rival, otherCustomer.accountId, v.accountId);
    paymentOrders.own = await cashPaymentOn(commerce.own);
    paymentOrders.foreign = await cashPaymentOn(commerce.foreign);
    const { openLedgerAccount } = app.system.composed.container.cradle;
    for (const [ownerKind, ownerId] of [['customer_wallet', commerce.own.customerId], ['customer_wallet', commerce.foreign.customerId], ['store_payable', commerce.own.storeId], ['store_payable', commerce.foreign.storeId], ['courier_earnings', commerce.own.courierId], ['courier_earnings', v.accountId]] as const) {
      await openLedgerAccount.execute({ ownerKind, ownerId });
    }
    catalog.png = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#c0ffee' } }).png().toBuffer();
    commerce.own.documentId = await approve(commerce.own.storeId);
    commerce.foreign.documentId = await approve(commerce.foreign.storeId);
    catalog.pendingStoreId = await storeIn(rival, { approve: false });
    const logoStore = await storeIn(rival, { approve: true });
    const logo = (await app.system.composed.container.cradle.setStoreLogo.put(superPrincipal(), logoStore, catalog.png)).logo!.files.thumb!;
    catalog.logoPath = `/api/v1/store-logos/${logoStore}/thumb-${logo.sha256.slice(0, 16)}.jpg`;
    catalog.own = await productIn(commerce.own.storeId);
    catalog.foreign = await productIn(commerce.foreign.storeId);
    catalog.categoryId = (await app.system.composed.container.cradle.manageCategories.create(superPrincipal(), { slug: `matrix-root-${Math.random().toString(36).slice(2, 8)}`, name: { ar: 'جذر', en: 'Root' } })).id;
    const addressFor = async (token: string) => (await http(`${app.url}/api/v1/addresses`, { method: 'POST', token, json: { label: 'Fixture home', line: '3 Curve St', point: { lat: 33.5, lng: 36.3 } } })).body.data.id as string;
    addressBook.own = await addressFor(parties.customer.session.accessToken);
    addressBook.foreign = await addressFor(otherCustomer.accessToken);
    cartAddresses.own = await addressFor(parties.customer.session.accessToken);
    cartAddresses.foreign = await addressFor(otherCustomer.accessToken);
  });
  after(async () => {
    await app?.stop();
  });

  const keyOf = (r: RouteSpec) => `${r.method.toUpperCase()} ${r.path}`;

  it('when the route table is compared with the matrix, then every route has an entry and every entry a route', () => {
    const routes = app.system.composed.routes.map(keyOf);
    expect(routes.filter((k) => !matrix[k]), 'routes without a matrix entry').to.deep.equal([]);
    expect(Object.keys(matrix).filter((k) => !routes.includes(k)), 'entries without a route').to.deep.equal([]);
  });

  it('when every caller calls every route on its own and a foreign object, then the status is exact and no foreign data leaks', async () => {
    const rows: string[] = [];
    // Logout last: it ends the caller's session.
    const routes = [...app.system.composed.routes].sort((a, b) => Number(a.path.endsWith('/logout')) - Number(b.path.endsWith('/logout')));
    for (const route of routes) {
      const entry = matrix[keyOf(route)];
      if (!entry) continue; // reported by the previous test
      for (const actor of ACTORS) {
        const me = actor === 'anonymous' ? null : parties[actor];
        const targets: [boolean, Target][] = entry.scope === 'none'
          ? [[true, { accountId: '', documentId: '' }]]
          : [
              [true, { accountId: me?.session.accountId ?? victim.session.accountId, documentId: me?.documentId ?? victim.documentId! }],
              [false, { accountId: victim.session.accountId, documentId: victim.documentId! }],
            ];
        for (const [own, target] of targets) {
          if (actor === 'anonymous' && own && entry.scope === 'object') continue; // anonymous owns nothing
          await entry.prepare?.();
          const req = entry.request(target, actor);
          const res = await http(`${app.url}${req.path}`, {
            method: req.method ?? route.method.toUpperCase(),
            ...(req.json !== undefined ? { json: req.json } : {}),
            ...(req.body ? { body: req.body } : {}),
            headers: req.headers ?? {},
            ...(me ? { token: me.session.accessToken } : {}),
          });
          const expected = entry.expect(actor, own);
          if (res.status !== expected) rows.push(`${keyOf(route)} as ${actor} (${own ? 'own' : 'foreign'}): expected ${expected}, got ${res.status} ${JSON.stringify(res.body?.error ?? '')}`);
          const privileged = res.status < 300 && (actor === 'super_admin' || actor === 'ops_admin');
          const text = JSON.stringify(res.body ?? '');
          if (!privileged && (text.includes(victim.session.accountId) || text.includes(victim.phone.slice(1)))) rows.push(`${keyOf(route)} as ${actor}: foreign data in body`);
          if (!own && res.status === 403 && entry.scope === 'object' && route.hidesForeign && (SELF as readonly Actor[]).includes(actor) && expected === 404) rows.push(`${keyOf(route)} as ${actor}: 403 reveals a foreign resource`);
        }
      }
    }
    expect(rows).to.deep.equal([]);
  });
});
