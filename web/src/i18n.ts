// One message catalogue for every page. Arabic is laid out right to left.
const en = {
  appName: 'Daraa',
  language: 'العربية',
  signIn: 'Sign in',
  signOut: 'Sign out',
  phoneOrEmail: 'Phone or email',
  password: 'Password',
  signInFailed: 'Sign-in failed: {message}',
  wrongRole: 'This page is for {role} accounts.',
  loading: 'Loading…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
  notFound: 'Not found',
  // tracking
  trackTitle: 'Order {number}',
  eta: 'Arriving in {time}',
  etaUnknown: 'Arrival time not known yet',
  lastSeen: 'Courier last seen {time}',
  store: 'Store',
  dropoff: 'Your address',
  courier: 'Courier',
  waitingForCourier: 'Waiting for a courier',
  // statuses (orders and deliveries)
  'status.placed': 'Placed',
  'status.awaiting_payment': 'Awaiting payment',
  'status.confirmed': 'Accepted',
  'status.rejected': 'Rejected',
  'status.preparing': 'Preparing',
  'status.ready_for_pickup': 'Ready for pickup',
  'status.picked_up': 'Picked up',
  'status.delivered': 'Delivered',
  'status.completed': 'Completed',
  'status.cancelled': 'Cancelled',
  'status.pending': 'Waiting for a courier',
  'status.assigned': 'Courier on the way to the store',
  'status.at_pickup': 'Courier at the store',
  'status.at_dropoff': 'Courier at your door',
  'status.failed': 'Failed',
  // store console
  storeTitle: 'Orders',
  newOrderAlert: 'New order {number}',
  accept: 'Accept',
  reject: 'Reject',
  rejectReason: 'Reason for rejecting',
  markPreparing: 'Start preparing',
  markReady: 'Ready for pickup',
  todaysOrders: "Today's orders",
  noOrders: 'No orders yet today',
  items: '{count} items',
  total: 'Total {amount}',
  courierAt: 'Courier at {lat}, {lng}',
  // ops board
  opsTitle: 'Operations',
  unassigned: 'Unassigned',
  active: 'Active by courier',
  alerts: 'Alerts',
  age: '{minutes} min old',
  promised: 'promised {time}',
  assign: 'Assign',
  reassign: 'Reassign',
  unassign: 'Unassign',
  courierId: 'Courier id',
  reason: 'Reason',
  selected: '{count} selected',
  kpiOnline: 'Online',
  kpiAvailable: 'Available',
  kpiBusy: 'Busy',
  kpiPerHour: 'Deliveries / hour',
  kpiMedianAssign: 'Median time to assign',
  kpiAssignP90: 'Time to assign, p90 (1 h)',
  kpiOnTime: 'On time',
  alertLate: 'Late: {id}, {minutes} min past the promised time',
  alertOffer: 'Offer for {id} to courier {courier} expires in {seconds} s',
  alertCash: 'Courier {id} is over their cash limit',
  alertStale: 'Courier {id} not seen for {seconds} s',
  alertStaleMore: 'and {count} more stale couriers',
  truncatedAreas: 'More couriers than shown in {count} areas: zoom in',
  actionDone: '{action}: {count} done',
  actionPartly: '{action}: {done} done, {failed} refused',
  actionFailed: '{action} failed: {message}',
  noDeliveries: 'Nothing here',
};

export type MessageKey = keyof typeof en;

const ar: Record<MessageKey, string> = {
  appName: 'درعا',
  language: 'English',
  signIn: 'تسجيل الدخول',
  signOut: 'تسجيل الخروج',
  phoneOrEmail: 'الهاتف أو البريد الإلكتروني',
  password: 'كلمة المرور',
  signInFailed: 'تعذّر تسجيل الدخول: {message}',
  wrongRole: 'هذه الصفحة لحسابات {role}.',
  loading: 'جارٍ التحميل…',
  connected: 'مباشر',
  reconnecting: 'جارٍ إعادة الاتصال…',
  notFound: 'غير موجود',
  trackTitle: 'الطلب {number}',
  eta: 'يصل خلال {time}',
  etaUnknown: 'وقت الوصول غير معروف بعد',
  lastSeen: 'آخر ظهور للسائق {time}',
  store: 'المتجر',
  dropoff: 'عنوانك',
  courier: 'السائق',
  waitingForCourier: 'بانتظار سائق',
  'status.placed': 'تم الطلب',
  'status.awaiting_payment': 'بانتظار الدفع',
  'status.confirmed': 'مقبول',
  'status.rejected': 'مرفوض',
  'status.preparing': 'قيد التحضير',
  'status.ready_for_pickup': 'جاهز للاستلام',
  'status.picked_up': 'تم الاستلام',
  'status.delivered': 'تم التوصيل',
  'status.completed': 'مكتمل',
  'status.cancelled': 'ملغى',
  'status.pending': 'بانتظار سائق',
  'status.assigned': 'السائق في الطريق إلى المتجر',
  'status.at_pickup': 'السائق في المتجر',
  'status.at_dropoff': 'السائق عند بابك',
  'status.failed': 'فشل',
  storeTitle: 'الطلبات',
  newOrderAlert: 'طلب جديد {number}',
  accept: 'قبول',
  reject: 'رفض',
  rejectReason: 'سبب الرفض',
  markPreparing: 'بدء التحضير',
  markReady: 'جاهز للاستلام',
  todaysOrders: 'طلبات اليوم',
  noOrders: 'لا طلبات اليوم بعد',
  items: '{count} أصناف',
  total: 'المجموع {amount}',
  courierAt: 'السائق عند {lat}، {lng}',
  opsTitle: 'العمليات',
  unassigned: 'غير مسندة',
  active: 'النشطة حسب السائق',
  alerts: 'تنبيهات',
  age: 'منذ {minutes} د',
  promised: 'الموعد {time}',
  assign: 'إسناد',
  reassign: 'إعادة إسناد',
  unassign: 'إلغاء الإسناد',
  courierId: 'معرّف السائق',
  reason: 'السبب',
  selected: '{count} محددة',
  kpiOnline: 'متصلون',
  kpiAvailable: 'متاحون',
  kpiBusy: 'مشغولون',
  kpiPerHour: 'توصيلات / ساعة',
  kpiMedianAssign: 'الوسيط حتى الإسناد',
  kpiAssignP90: 'زمن الإسناد، المئين 90 (ساعة)',
  kpiOnTime: 'في الموعد',
  alertLate: 'متأخر: {id}، {minutes} د بعد الموعد',
  alertOffer: 'عرض {id} للسائق {courier} ينتهي خلال {seconds} ث',
  alertCash: 'السائق {id} تجاوز حدّ النقد',
  alertStale: 'السائق {id} غير مرئي منذ {seconds} ث',
  alertStaleMore: 'و{count} سائقين آخرين غير مرئيين',
  truncatedAreas: 'سائقون أكثر مما يظهر في {count} مناطق: قرّب الخريطة',
  actionDone: '{action}: تم {count}',
  actionPartly: '{action}: تم {done}، رُفض {failed}',
  actionFailed: 'فشل {action}: {message}',
  noDeliveries: 'لا شيء هنا',
};

export type Lang = 'en' | 'ar';
const catalogue: Record<Lang, Record<MessageKey, string>> = { en, ar };
const KEY = 'daraa.lang';

export function currentLang(): Lang {
  const saved = localStorage.getItem(KEY);
  if (saved === 'ar' || saved === 'en') return saved;
  return navigator.language.startsWith('ar') ? 'ar' : 'en';
}

/** Sets the document's language and direction (rtl for Arabic). */
export function applyLang(lang: Lang): void {
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = catalogue[currentLang()][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

export const statusLabel = (status: string): string => (`status.${status}` in en ? t(`status.${status}` as MessageKey) : status);

/** Formats seconds as m:ss (or h:mm:ss) in the current language's digits. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const parts = s >= 3600 ? [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60] : [Math.floor(s / 60), s % 60];
  const fmt = new Intl.NumberFormat(currentLang() === 'ar' ? 'ar-SY' : 'en', { minimumIntegerDigits: 2 });
  return parts.map((p, i) => (i === 0 ? new Intl.NumberFormat(currentLang() === 'ar' ? 'ar-SY' : 'en').format(p) : fmt.format(p))).join(':');
}

export const timeOf = (iso: string): string => new Date(iso).toLocaleTimeString(currentLang() === 'ar' ? 'ar-SY' : 'en-GB', { hour: '2-digit', minute: '2-digit' });

export function money(minor: number, currency: string): string {
  return new Intl.NumberFormat(currentLang() === 'ar' ? 'ar-SY' : 'en', { style: 'currency', currency, maximumFractionDigits: 0 }).format(minor / 100);
}
