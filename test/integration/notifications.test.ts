import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { startHttpStub, type HttpStub } from '../helpers/http-stub.js';
import { connect, nextEvent, waitUntil } from '../helpers/hub.js';
import { newPhone, PASSWORD, signUpAdmin, type Session } from '../helpers/identity.js';
import { deliveryKey } from '../../domain/notification/model.js';
import { ORDER_EVENT_BY_STATUS } from '../../domain/ordering/order-events.js';
import { QUEUES } from '../../workers/queues.js';
import { queuePrefix } from '../../infra/queues.js';
import { Queue } from 'bullmq';
import { stockLow } from '../../domain/catalog/product-events.js';
import { openStore } from '../helpers/stores.js';

interface Mail { to: string; raw: string }

/**
 * Notifications end to end on the real app (all roles): outbox events become
 * email through a real local SMTP server, SMS through the HTTP SMS adapter
 * against a local stub, push through firebase-admin against a local stub of
 * FCM HTTP v1 (and its OAuth token endpoint), and the in-app inbox with its
 * live socket event.
 */
describe('notifications: events to email, SMS, push and the inbox', function () {
  this.timeout(60_000);
  let app: TestApp;
  let smtp: SMTPServer;
  let smtpDown = false;
  const mails: Mail[] = [];
  let sms: HttpStub;
  let fcm: HttpStub;
  let fcmDown = false;
  let admin: Session;

  const smsTo = (phone: string) => sms.requests.filter((r) => new URLSearchParams(r.body).get('To') === phone).map((r) => new URLSearchParams(r.body).get('Body') ?? '');
  /** Pushes FCM accepted (a 503 while down does not count). */
  const accepted: { token: string; notification: { title: string; body: string }; data: Record<string, string> }[] = [];
  const pushesTo = (token: string) => accepted.filter((m) => m.token === token);
  const mailsTo = (email: string) => mails.filter((m) => m.to === email);

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onMailFrom(_address, _session, cb) {
        if (smtpDown) return cb(Object.assign(new Error('try again later'), { responseCode: 421 }));
        cb();
      },
      onData(stream, session, cb) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          for (const r of session.envelope.rcptTo) mails.push({ to: r.address, raw });
          cb();
        });
      },
    });
    await new Promise<void>((ok) => smtp.listen(0, '127.0.0.1', ok));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    sms = await startHttpStub(() => ({ status: 201, json: { sid: randomUUID() } }));
    fcm = await startHttpStub((req) => {
      if (req.url.pathname === '/token') return { json: { access_token: 'stub-access-token', expires_in: 3600, token_type: 'Bearer' } };
      if (req.url.pathname === '/v1/projects/daraa-test/messages:send') {
        // 500, not 503: firebase-admin retries a 503 itself for seconds before the job's own backoff takes over.
        if (fcmDown) return { status: 500, json: { error: { code: 500, message: 'internal', status: 'INTERNAL' } } };
        const message = JSON.parse(req.body).message;
        if ((message.token as string).startsWith('dead-')) {
          return { status: 404, json: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } } };
        }
        accepted.push(message);
        return { json: { name: `projects/daraa-test/messages/${randomUUID()}` } };
      }
      return { status: 404, json: {} };
    });
    app = await startTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        SMS_PROVIDER: 'http', SMS_PROVIDER_URL: `${sms.url}/sms`, SMS_PROVIDER_TOKEN: 'sid:secret', SMS_FROM: '+15550000000',
        FCM_PROJECT_ID: 'daraa-test', FCM_ENDPOINT: fcm.url, NOTIFY_RETRY_BASE_MS: '100',
        FCM_SERVICE_ACCOUNT_JSON: JSON.stringify({ client_email: 'push@daraa-test.iam.gserviceaccount.com', private_key: 'unused with FCM_ENDPOINT: the stub hands out the token' }),
      },
    });
    admin = await signUpAdmin(app);
  });

  after(async () => {
    await app?.stop();
    await new Promise<void>((ok) => smtp.close(() => ok()));
    await sms?.close();
    await fcm?.close();
  });

  /** Registers over HTTP, reading the code from the SMS stub, and logs in. */
  async function person(role: 'customer' | 'store_owner' | 'courier', email?: string): Promise<Session & { phone: string }> {
    const phone = newPhone();
    expect((await http(`${app.url}/api/v1/auth/register`, { method: 'POST', json: { phone, password: PASSWORD, role } })).status).to.equal(202);
    const code = /\b(\d{6})\b/.exec(smsTo(phone).at(-1) ?? '')?.[1];
    expect((await http(`${app.url}/api/v1/auth/otp/verify`, { method: 'POST', json: { phone, code } })).status).to.equal(200);
    const login = await http(`${app.url}/api/v1/auth/login`, { method: 'POST', json: { identifier: phone, password: PASSWORD } });
    const s = { accountId: login.body.data.account.id, accessToken: login.body.data.accessToken, refreshToken: login.body.data.refreshToken, sessionId: login.body.data.sessionId, phone };
    if (email) expect((await http(`${app.url}/api/v1/accounts/${s.accountId}/profile`, { method: 'PATCH', token: s.accessToken, json: { email } })).status).to.equal(200);
    return s;
  }

  const device = (s: Session, token: string) => http(`${app.url}/api/v1/notifications/devices`, { method: 'POST', token: s.accessToken, json: { token, platform: 'android', appVersion: '3.1.0' } });
  const prefs = (s: Session, json: unknown) => http(`${app.url}/api/v1/notifications/preferences`, { method: 'PATCH', token: s.accessToken, json });

  /** Writes an order event to the outbox as the ordering use cases do (one transaction); the relay takes it from there. */
  async function orderEvent(status: 'rejected' | 'confirmed', customerId: string): Promise<string> {
    const { unitOfWork, outbox } = app.system.composed.container.cradle;
    const at = new Date().toISOString();
    const orderId = randomUUID();
    const [event] = await unitOfWork.transaction(() => outbox.add([{
      type: ORDER_EVENT_BY_STATUS[status].type, aggregateId: orderId, aggregateVersion: 2, occurredAt: at,
      payload: { orderId, orderNumber: `D-${orderId.slice(0, 4)}`, checkoutId: randomUUID(), storeId: randomUUID(), customerId, from: 'placed', to: status, totalMinor: 12_500, currency: 'SYP', paymentMethod: 'cash', reason: status === 'rejected' ? 'out of bread' : null, actor: null, at },
    }]));
    return event!.id;
  }

  const record = (eventId: string, accountId: string, channel: 'email' | 'sms' | 'push' | 'in_app') => app.system.composed.container.cradle.notificationLog.find(deliveryKey(eventId, accountId, channel));

  it('when an order is rejected, then the customer gets the Arabic default by email, SMS, push and inbox, the inbox live on their socket', async () => {
    const customer = await person('customer', `c-${randomUUID().slice(0, 8)}@daraa.test`);
    const email = (await http(`${app.url}/api/v1/auth/me`, { token: customer.accessToken })).body.data.email as string;
    expect((await device(customer, `tok-${customer.accountId}`)).status).to.equal(201);
    const socket = await connect(app.url, '/customer', customer.accessToken);
    try {
      const live = nextEvent(socket, 'notification:new', () => true, 10_000);
      const eventId = await orderEvent('rejected', customer.accountId);
      const pushed = await live;
      expect(pushed.unread).to.equal(1);
      expect(pushed.message).to.include({ eventType: 'ordering.order.rejected', category: 'orders', title: 'تعذّر قبول طلبك' });
      await waitUntil(() => mailsTo(email).length === 1 && smsTo(customer.phone).length === 2 && pushesTo(`tok-${customer.accountId}`).length === 1, 10_000);
      expect(mailsTo(email)[0]!.raw).to.match(/Subject: =\?UTF-8\?/).and.to.include('Content-Language: ar');
      expect(smsTo(customer.phone).at(-1)).to.include('out of bread').and.to.include('لم يتمكن المتجر');
      const push = pushesTo(`tok-${customer.accountId}`)[0]!;
      expect(push.notification.title).to.equal('تعذّر قبول طلبك');
      expect(push.data.orderId).to.be.a('string');
      const inbox = await http(`${app.url}/api/v1/notifications/inbox`, { token: customer.accessToken });
      expect(inbox.body.data.unread).to.equal(1);
      expect(inbox.body.data.items[0].body).to.include('out of bread');
      for (const ch of ['email', 'sms', 'push', 'in_app'] as const) expect((await record(eventId, customer.accountId, ch))?.status, ch).to.equal('sent');
      const read = await http(`${app.url}/api/v1/notifications/inbox/read`, { method: 'POST', token: customer.accessToken, json: {} });
      expect(read.body.data).to.deep.equal({ updated: 1, unread: 0 });
    } finally {
      socket.close();
    }
  });

  it('when a variant runs low, then the store\'s owner (found through the store) gets it in the inbox', async () => {
    const owner = await person('store_owner');
    const storeId = await openStore(app, owner.accessToken, { lat: 33.51, lng: 36.29 }, { approved: false });
    const { unitOfWork, outbox } = app.system.composed.container.cradle;
    const at = new Date().toISOString();
    const variantId = randomUUID();
    await unitOfWork.transaction(() => outbox.add([{ type: stockLow.type, aggregateId: variantId, aggregateVersion: 3, occurredAt: at, payload: { variantId, productId: randomUUID(), storeId, available: 2, threshold: 5, at } }]));
    let inbox: any;
    await waitUntil(async () => (inbox = (await http(`${app.url}/api/v1/notifications/inbox`, { token: owner.accessToken })).body.data).items.length === 1, 10_000);
    expect(inbox.items[0]).to.deep.include({ eventType: 'catalog.stock.low', category: 'stock', title: 'مخزون منخفض' });
    expect(inbox.items[0].body).to.include('2').and.include('5');
    expect(inbox.items[0].data).to.deep.equal({ storeId, productId: inbox.items[0].data.productId, variantId });
  });

  it('when a card order is placed, then its store hears of it only once the payment is held', async () => {
    const owner = await person('store_owner');
    const storeId = await openStore(app, owner.accessToken, { lat: 33.51, lng: 36.29 }, { approved: false });
    const { unitOfWork, outbox } = app.system.composed.container.cradle;
    const orderId = randomUUID();
    const at = new Date().toISOString();
    const payload = (from: 'placed' | null, to: 'placed' | 'awaiting_payment') => ({ orderId, orderNumber: 'D-CARD', checkoutId: randomUUID(), storeId, customerId: randomUUID(), from, to, totalMinor: 9_000, currency: 'SYP', paymentMethod: 'card', reason: null, actor: null, at });
    const [placed] = await unitOfWork.transaction(() => outbox.add([{ type: ORDER_EVENT_BY_STATUS.placed.type, aggregateId: orderId, aggregateVersion: 1, occurredAt: at, payload: payload(null, 'placed') }]));
    const [held] = await unitOfWork.transaction(() => outbox.add([{ type: ORDER_EVENT_BY_STATUS.awaiting_payment.type, aggregateId: orderId, aggregateVersion: 2, occurredAt: at, payload: payload('placed', 'awaiting_payment') }]));
    await waitUntil(async () => (await record(held!.id, owner.accountId, 'in_app'))?.status === 'sent', 10_000);
    // The consumer's job for the placed event (job id = event id) has finished: it decided nobody hears of it.
    const consumer = new Queue(QUEUES.notifications, { connection: { url: app.redis.url }, prefix: queuePrefix(app.config.REDIS_KEY_PREFIX, QUEUES.notifications) });
    try {
      await waitUntil(async () => (await (await consumer.getJob(placed!.id))?.getState()) === 'completed', 10_000);
    } finally {
      await consumer.close();
    }
    expect(await record(placed!.id, owner.accountId, 'in_app')).to.equal(null);
    const inbox = (await http(`${app.url}/api/v1/notifications/inbox`, { token: owner.accessToken })).body.data;
    expect(inbox.items.map((m: { title: string }) => m.title)).to.deep.equal(['طلب جديد D-CARD']);
  });

  it('when an admin saves a template with an unknown variable, then it is refused at save; a valid English one is used for an English speaker', async () => {
    const bad = await http(`${app.url}/api/v1/admin/notification-templates/ordering.order.confirmed/push/en`, { method: 'PUT', token: admin.accessToken, json: { title: 'Hi {{customerName}}', body: 'Order {{orderNumber}}' } });
    expect(bad.status).to.equal(422);
    expect(bad.body.error.code).to.equal('TEMPLATE_VARIABLE_UNKNOWN');
    expect(bad.body.error.details[0].variable).to.equal('customerName');
    const good = await http(`${app.url}/api/v1/admin/notification-templates/ordering.order.confirmed/push/en`, { method: 'PUT', token: admin.accessToken, json: { title: 'Accepted: {{orderNumber}}', body: 'Total {{totalMinor}} {{currency}}' } });
    expect(good.status).to.equal(200);
    const listed = await http(`${app.url}/api/v1/admin/notification-templates?eventType=ordering.order.confirmed`, { token: admin.accessToken });
    expect(listed.body.data.filter((t: { source: string }) => t.source === 'saved')).to.have.length(1);
    expect(listed.body.data.find((t: { channel: string; locale: string }) => t.channel === 'push' && t.locale === 'ar').source).to.equal('default');

    const english = await person('customer');
    const arabic = await person('customer');
    expect((await prefs(english, { locale: 'en' })).status).to.equal(200);
    await device(english, `tok-${english.accountId}`);
    await device(arabic, `tok-${arabic.accountId}`);
    await orderEvent('confirmed', english.accountId);
    await orderEvent('confirmed', arabic.accountId);
    await waitUntil(() => pushesTo(`tok-${english.accountId}`).length === 1 && pushesTo(`tok-${arabic.accountId}`).length === 1, 10_000);
    expect(pushesTo(`tok-${english.accountId}`)[0]!.notification.title).to.match(/^Accepted: D-[0-9a-f]{4}$/);
    expect(pushesTo(`tok-${english.accountId}`)[0]!.notification.body).to.equal('Total 12500 SYP');
    expect(pushesTo(`tok-${arabic.accountId}`)[0]!.notification.title).to.equal('تم قبول طلبك');
  });

  it('when a customer mutes SMS for orders and sets quiet hours around now, then SMS is skipped, push waits for the window, and the inbox still gets it', async () => {
    const customer = await person('customer');
    await device(customer, `tok-${customer.accountId}`);
    const hh = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const now = new Date();
    const r = await prefs(customer, { timeZone: 'UTC', muted: { orders: ['sms'] }, quietHours: { start: hh(new Date(now.getTime() - 3_600_000)), end: hh(new Date(now.getTime() + 3_600_000)) } });
    expect(r.status).to.equal(200);
    const before = smsTo(customer.phone).length;
    const eventId = await orderEvent('rejected', customer.accountId);
    await waitUntil(async () => (await record(eventId, customer.accountId, 'in_app'))?.status === 'sent', 10_000);
    expect(await record(eventId, customer.accountId, 'sms')).to.include({ status: 'skipped', reason: 'muted' });
    expect(smsTo(customer.phone).length).to.equal(before);
    const queue = new Queue(QUEUES.notifyPush, { connection: { url: app.redis.url }, prefix: queuePrefix(app.config.REDIS_KEY_PREFIX, QUEUES.notifyPush) });
    try {
      const job = await queue.getJob(deliveryKey(eventId, customer.accountId, 'push'));
      expect(await job!.getState()).to.equal('delayed');
      expect(job!.opts.delay).to.be.greaterThan(50 * 60_000).and.at.most(3_600_000);
    } finally {
      await queue.close();
    }
    expect(pushesTo(`tok-${customer.accountId}`)).to.have.length(0);
  });

  it('when a critical message is fanned out, then it ignores muted channels and quiet hours', async () => {
    const courier = await person('courier');
    await device(courier, `tok-${courier.accountId}`);
    await prefs(courier, { timeZone: 'UTC', muted: { offers: ['push'] }, quietHours: { start: '00:00', end: '23:59' } });
    const sourceId = randomUUID();
    const plan = await app.system.composed.container.cradle.notifyEvent.fanOut({ sourceId, eventType: 'dispatch.offer.made', accountId: courier.accountId, category: 'offers', bulkId: null, vars: {}, data: {}, content: { en: { title: 'Offer', body: 'A delivery near you' } } }, ['push'], true);
    expect(plan).to.deep.equal({ queued: 1, skipped: 0 });
    await waitUntil(() => pushesTo(`tok-${courier.accountId}`).length === 1, 10_000);
    expect(pushesTo(`tok-${courier.accountId}`)[0]!.notification.title).to.equal('Offer');
  });

  it('when FCM reports a token unregistered, then that token is removed and the live one still gets the push', async () => {
    const customer = await person('customer');
    await device(customer, `dead-${customer.accountId}`);
    await device(customer, `tok-${customer.accountId}`);
    const eventId = await orderEvent('confirmed', customer.accountId);
    await waitUntil(async () => (await record(eventId, customer.accountId, 'push'))?.status === 'sent', 10_000);
    const devices = await http(`${app.url}/api/v1/notifications/devices`, { token: customer.accessToken });
    expect(devices.body.data.map((d: { token: string }) => d.token)).to.deep.equal([`tok-${customer.accountId}`]);
    expect(pushesTo(`tok-${customer.accountId}`)).to.have.length(1);
  });

  it('when SMTP and FCM are down, then their jobs retry with backoff while SMS and the inbox go out, and each arrives exactly once when they return', async () => {
    const customer = await person('customer', `down-${randomUUID().slice(0, 8)}@daraa.test`);
    const email = (await http(`${app.url}/api/v1/auth/me`, { token: customer.accessToken })).body.data.email as string;
    await device(customer, `tok-${customer.accountId}`);
    smtpDown = true;
    fcmDown = true;
    try {
      const eventId = await orderEvent('rejected', customer.accountId);
      await waitUntil(async () => (await record(eventId, customer.accountId, 'in_app'))?.status === 'sent' && (await record(eventId, customer.accountId, 'sms'))?.status === 'sent', 10_000);
      await waitUntil(async () => (await record(eventId, customer.accountId, 'email'))?.status === 'retrying' && (await record(eventId, customer.accountId, 'push'))?.status === 'retrying', 10_000);
      expect(mailsTo(email)).to.have.length(0);
      smtpDown = false;
      fcmDown = false;
      await waitUntil(async () => (await record(eventId, customer.accountId, 'email'))?.status === 'sent' && (await record(eventId, customer.accountId, 'push'))?.status === 'sent', 15_000);
      expect(mailsTo(email)).to.have.length(1);
      expect(pushesTo(`tok-${customer.accountId}`)).to.have.length(1);
      expect((await record(eventId, customer.accountId, 'email'))!.attempts).to.be.greaterThan(1);
    } finally {
      smtpDown = false;
      fcmDown = false;
    }
  });

  it('when a channel job runs again after it was sent, then nothing is sent twice (the delivery key was claimed)', async () => {
    const customer = await person('customer', `twice-${randomUUID().slice(0, 8)}@daraa.test`);
    const email = (await http(`${app.url}/api/v1/auth/me`, { token: customer.accessToken })).body.data.email as string;
    const { sendNotification } = app.system.composed.container.cradle;
    const job = { sourceId: randomUUID(), eventType: 'ordering.order.rejected', accountId: customer.accountId, channel: 'email' as const, category: 'orders' as const, bulkId: null, vars: { orderNumber: 'D-1', reason: 'x' }, data: {}, content: null };
    const outcomes = await Promise.all([1, 2, 3].map(() => sendNotification.execute(job, { lastAttempt: false })));
    expect(outcomes.sort()).to.deep.equal(['duplicate', 'duplicate', 'sent']);
    expect(await sendNotification.execute(job, { lastAttempt: false })).to.equal('duplicate');
    expect(mailsTo(email)).to.have.length(1);
  });

  it('when an admin sends to the couriers active in the last day, then the bulk send reports sent and skipped per channel', async () => {
    // Couriers of earlier tests registered their devices before `since`: outside the segment.
    const since = new Date().toISOString();
    const active = [await person('courier'), await person('courier')];
    const muted = await person('courier');
    const idle = await person('courier');
    for (const c of [...active, muted]) await device(c, `tok-${c.accountId}`);
    await prefs(muted, { muted: { announcements: ['push'] } });
    const created = await http(`${app.url}/api/v1/admin/notifications/bulk`, {
      method: 'POST', token: admin.accessToken,
      json: { segment: { role: 'courier', lastActiveSince: since }, channels: ['push', 'in_app'], content: { ar: { title: 'تنبيه', body: 'يغلق المركز غداً' }, en: { title: 'Heads up', body: 'Hub closes tomorrow' } } },
    });
    expect(created.status).to.equal(202);
    const id = created.body.data.id as string;
    let report: any;
    await waitUntil(async () => {
      report = (await http(`${app.url}/api/v1/admin/notifications/bulk/${id}`, { token: admin.accessToken })).body.data;
      return report.status === 'done' && report.report.push.pending === 0 && report.report.in_app.pending === 0;
    }, 15_000);
    expect(report.recipients).to.equal(3);
    expect(report.report.push).to.deep.equal({ sent: 2, failed: 0, skipped: 1, pending: 0 });
    expect(report.report.in_app).to.deep.equal({ sent: 3, failed: 0, skipped: 0, pending: 0 });
    for (const c of active) expect(pushesTo(`tok-${c.accountId}`).map((m) => m.notification.title)).to.include('تنبيه');
    expect(pushesTo(`tok-${muted.accountId}`)).to.have.length(0);
    const idleInbox = await http(`${app.url}/api/v1/notifications/inbox`, { token: idle.accessToken });
    expect(idleInbox.body.data.items).to.have.length(0);
  });
});
