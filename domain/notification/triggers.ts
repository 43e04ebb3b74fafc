import type { EventDefinition } from '../shared/events.js';
import { ORDER_EVENT_BY_STATUS, type OrderEventPayload } from '../ordering/order-events.js';
import { stockLow } from '../catalog/product-events.js';
import { storeVerificationDecided } from '../catalog/store-events.js';
import { accountVerificationDecided, securityAlerted } from '../identity/events.js';
import { webhookEndpointDisabled } from '../webhooks/events.js';
import { offerMade } from '../dispatch/events.js';
import { payoutFailed, payoutProcessed, reconciliationMismatchFound } from '../finance/payout-events.js';
import type { Permission } from '../shared/principal.js';
import { variablesOf, type Category, type Channel, type Locale } from './model.js';

/**
 * Who receives a message: an account directly, the owner of a store, or the active admins who hold a
 * permission (admin alerts go to those who can act on them); looked up when sending.
 */
export type RecipientRef = { accountId: string } | { storeOwnerOf: string } | { adminsHolding: Permission };

type Text = { title: string; body: string };

/**
 * One row of the trigger table: the event, who hears about it, on which channels,
 * and the built-in texts (every channel in both locales). A new trigger (a courier's
 * offer, a payout) is one more row here, nothing else.
 */
export interface Trigger {
  event: EventDefinition;
  category: Category;
  /** Critical messages bypass preferences and quiet hours (an offer, a security alert). */
  critical: boolean;
  channels: Channel[];
  recipients(payload: unknown): RecipientRef[];
  /** Ids passed to the app with push and inbox messages, to open the right screen. */
  data(payload: unknown): Record<string, string>;
  defaults: Record<Locale, Text>;
}

const order = (p: unknown) => p as OrderEventPayload;
const toCustomer = (p: unknown): RecipientRef[] => [{ accountId: order(p).customerId }];
const orderData = (p: unknown) => ({ orderId: order(p).orderId, storeId: order(p).storeId });

const NEW_ORDER: Trigger['defaults'] = {
  ar: { title: 'طلب جديد {{orderNumber}}', body: 'وصل طلب جديد رقم {{orderNumber}} بقيمة {{totalMinor}} {{currency}}. اقبله أو ارفضه الآن.' },
  en: { title: 'New order {{orderNumber}}', body: 'New order {{orderNumber}} for {{totalMinor}} {{currency}} (minor units). Accept or reject it now.' },
};

export const TRIGGERS: readonly Trigger[] = [
  // The store hears of a cash order when it is placed, of a card order once its payment is held: before that it cannot accept it.
  {
    event: ORDER_EVENT_BY_STATUS.placed, category: 'orders', critical: false, channels: ['push', 'in_app', 'sms'],
    recipients: (p) => (order(p).paymentMethod === 'card' ? [] : [{ storeOwnerOf: order(p).storeId }]), data: orderData,
    defaults: NEW_ORDER,
  },
  {
    event: ORDER_EVENT_BY_STATUS.awaiting_payment, category: 'orders', critical: false, channels: ['push', 'in_app', 'sms'],
    recipients: (p) => [{ storeOwnerOf: order(p).storeId }], data: orderData,
    defaults: NEW_ORDER,
  },
  {
    event: ORDER_EVENT_BY_STATUS.confirmed, category: 'orders', critical: false, channels: ['push', 'in_app'],
    recipients: toCustomer, data: orderData,
    defaults: {
      ar: { title: 'تم قبول طلبك', body: 'قبل المتجر طلبك {{orderNumber}} وبدأ العمل عليه.' },
      en: { title: 'Your order was accepted', body: 'The store accepted your order {{orderNumber}}.' },
    },
  },
  {
    event: ORDER_EVENT_BY_STATUS.rejected, category: 'orders', critical: false, channels: ['push', 'in_app', 'sms', 'email'],
    recipients: toCustomer, data: orderData,
    defaults: {
      ar: { title: 'تعذّر قبول طلبك', body: 'لم يتمكن المتجر من قبول طلبك {{orderNumber}}. السبب: {{reason}}. لن يُقتطع أي مبلغ.' },
      en: { title: 'Your order was not accepted', body: 'The store could not accept your order {{orderNumber}}. Reason: {{reason}}. You will not be charged.' },
    },
  },
  {
    event: ORDER_EVENT_BY_STATUS.ready_for_pickup, category: 'orders', critical: false, channels: ['push', 'in_app'],
    recipients: toCustomer, data: orderData,
    defaults: {
      ar: { title: 'طلبك جاهز', body: 'طلبك {{orderNumber}} جاهز وينتظر المندوب.' },
      en: { title: 'Your order is ready', body: 'Your order {{orderNumber}} is ready and waiting for the courier.' },
    },
  },
  {
    event: ORDER_EVENT_BY_STATUS.picked_up, category: 'orders', critical: false, channels: ['push', 'in_app'],
    recipients: toCustomer, data: orderData,
    defaults: {
      ar: { title: 'طلبك في الطريق', body: 'استلم المندوب طلبك {{orderNumber}} وهو في الطريق إليك.' },
      en: { title: 'Your order is on its way', body: 'The courier picked up your order {{orderNumber}}.' },
    },
  },
  {
    event: ORDER_EVENT_BY_STATUS.delivered, category: 'orders', critical: false, channels: ['push', 'in_app', 'email'],
    recipients: toCustomer, data: orderData,
    defaults: {
      ar: { title: 'تم توصيل طلبك', body: 'تم توصيل طلبك {{orderNumber}}. بالهناء والشفاء!' },
      en: { title: 'Your order was delivered', body: 'Your order {{orderNumber}} was delivered. Enjoy!' },
    },
  },
  {
    event: stockLow, category: 'stock', critical: false, channels: ['in_app', 'email', 'push'],
    recipients: (p) => [{ storeOwnerOf: (p as { storeId: string }).storeId }],
    data: (p) => ({ storeId: (p as { storeId: string }).storeId, productId: (p as { productId: string }).productId, variantId: (p as { variantId: string }).variantId }),
    defaults: {
      ar: { title: 'مخزون منخفض', body: 'بقي {{available}} فقط من أحد منتجاتك (الحد {{threshold}}). أعد التعبئة قريباً.' },
      en: { title: 'Low stock', body: 'Only {{available}} left of one of your products (threshold {{threshold}}). Restock soon.' },
    },
  },
  {
    event: storeVerificationDecided, category: 'account', critical: false, channels: ['in_app', 'email', 'sms', 'push'],
    recipients: (p) => [{ accountId: (p as { ownerId: string }).ownerId }],
    data: (p) => ({ storeId: (p as { storeId: string }).storeId }),
    defaults: {
      ar: { title: 'قرار التحقق من متجرك', body: 'نتيجة التحقق من متجرك: {{decision}}. {{reason}}' },
      en: { title: 'Your store verification', body: 'Your store verification was {{decision}}. {{reason}}' },
    },
  },
  {
    event: accountVerificationDecided, category: 'account', critical: false, channels: ['in_app', 'sms', 'push', 'email'],
    recipients: (p) => [{ accountId: (p as { accountId: string }).accountId }],
    data: (p) => ({ accountId: (p as { accountId: string }).accountId }),
    defaults: {
      ar: { title: 'قرار التحقق من حسابك', body: 'نتيجة مراجعة مستنداتك: {{decision}}. {{reason}}' },
      en: { title: 'Your account verification', body: 'Your documents were {{decision}}. {{reason}}' },
    },
  },
  // Critical: the courier must hear of an offer within its 30 s whatever their preferences (the hub also pushes offer:new to their socket).
  {
    event: offerMade, category: 'offers', critical: true, channels: ['push', 'in_app'],
    recipients: (p) => [{ accountId: (p as { courierId: string }).courierId }],
    data: (p) => ({ offerId: (p as { offerId: string }).offerId, deliveryId: (p as { deliveryId: string }).deliveryId }),
    defaults: {
      ar: { title: 'عرض توصيل جديد', body: 'عرض توصيل جديد بأجر {{feeMinor}} (بأصغر وحدة). أجب قبل {{expiresAt}}.' },
      en: { title: 'New delivery offer', body: 'New delivery offer paying {{feeMinor}} (minor units). Answer before {{expiresAt}}.' },
    },
  },
  {
    event: payoutProcessed, category: 'payouts', critical: false, channels: ['in_app', 'email', 'push'],
    recipients: (p) => [{ accountId: (p as { accountId: string }).accountId }],
    data: (p) => ({ payoutId: (p as { payoutId: string }).payoutId }),
    defaults: {
      ar: { title: 'تم تحويل دفعتك', body: 'حوّلنا {{amountMinor}} {{currency}} (بأصغر وحدة) إلى حسابك المصرفي. المرجع: {{providerRef}}.' },
      en: { title: 'Your payout was sent', body: 'We sent {{amountMinor}} {{currency}} (minor units) to your bank account. Reference: {{providerRef}}.' },
    },
  },
  // Finance alerts, to the admins with finance:manage: a payout the provider would not pay (the owner hears too: the money is back in their balance).
  {
    event: payoutFailed, category: 'payouts', critical: false, channels: ['in_app', 'email'],
    recipients: (p) => [{ accountId: (p as { accountId: string }).accountId }, { adminsHolding: 'finance:manage' }],
    data: (p) => ({ payoutId: (p as { payoutId: string }).payoutId }),
    defaults: {
      ar: { title: 'تعذّر تحويل دفعة', body: 'تعذّر تحويل الدفعة {{payoutId}} بقيمة {{amountMinor}} {{currency}} (بأصغر وحدة) بعد {{attempts}} محاولات: {{error}}. أُعيد المبلغ إلى الرصيد.' },
      en: { title: 'A payout failed', body: 'Payout {{payoutId}} of {{amountMinor}} {{currency}} (minor units) failed after {{attempts}} attempts: {{error}}. The amount is back in the balance.' },
    },
  },
  {
    event: reconciliationMismatchFound, category: 'account', critical: true, channels: ['in_app', 'email'],
    recipients: () => [{ adminsHolding: 'finance:manage' }],
    data: (p) => ({ runId: (p as { runId: string }).runId }),
    defaults: {
      ar: { title: 'عدم تطابق في التسوية المالية', body: 'وجدت تسوية {{runId}} {{mismatches}} حالة عدم تطابق بين الدفتر والطلبات أو المدفوعات: {{sample}}' },
      en: { title: 'Reconciliation found mismatches', body: 'Reconciliation {{runId}} found {{mismatches}} mismatches between the ledger and orders or payments: {{sample}}' },
    },
  },
  // Critical: a security alert reaches the owner through preferences and quiet hours.
  {
    event: securityAlerted, category: 'security', critical: true, channels: ['in_app', 'push', 'email', 'sms'],
    recipients: (p) => [{ accountId: (p as { accountId: string }).accountId }],
    data: (p) => ({ alert: (p as { alert: string }).alert }),
    defaults: {
      ar: { title: 'تنبيه أمني على حسابك', body: 'حدث أمني على حسابك: {{alert}} (من {{ip}}). إن لم تكن أنت، غيّر كلمة المرور فوراً.' },
      en: { title: 'Security alert on your account', body: 'Security event on your account: {{alert}} (from {{ip}}). If this was not you, change your password now.' },
    },
  },
  {
    event: webhookEndpointDisabled, category: 'account', critical: false, channels: ['in_app', 'email'],
    recipients: (p) => [{ accountId: (p as { ownerId: string }).ownerId }],
    data: (p) => ({ endpointId: (p as { endpointId: string }).endpointId }),
    defaults: {
      ar: { title: 'تم إيقاف نقطة الويب هوك', body: 'أوقفنا إرسال الويب هوك إلى {{url}} بعد فشل متواصل منذ {{failingSince}}. أصلحه ثم أعد تفعيله.' },
      en: { title: 'Webhook endpoint disabled', body: 'We stopped sending webhooks to {{url}} after continuous failures since {{failingSince}}. Fix it, then enable it again.' },
    },
  },
];

const BY_TYPE = new Map(TRIGGERS.map((t) => [t.event.type, t]));

export const triggerOf = (eventType: string): Trigger | undefined => BY_TYPE.get(eventType);
export const TRIGGER_EVENT_TYPES: string[] = TRIGGERS.map((t) => t.event.type);

/** The variables a template for this event may use: the fields of the event's payload schema. */
export const templateVariables = (eventType: string): string[] | null => {
  const t = BY_TYPE.get(eventType);
  return t ? variablesOf(t.event.payload) : null;
};
