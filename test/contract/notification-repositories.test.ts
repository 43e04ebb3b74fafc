import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createNotificationRepositories } from '../../infra/db/notifications.js';
import { NotificationPreferences, NotificationTemplate, deliveryKey, type InboxMessage } from '../../domain/notification/model.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

forEachBackend('Notification repositories contract', (ctx) => {
  const repos = () => createNotificationRepositories(ctx.store);

  it('when a template is saved twice for one key, then the second replaces the first and delete brings back none', async () => {
    const eventType = `test.thing.${randomUUID().slice(0, 6).replace(/\d/g, 'x')}`;
    const make = (body: string, ms: number) => NotificationTemplate.restore({ eventType, channel: 'push', locale: 'ar', title: 'عنوان', body, updatedAt: at(ms), updatedBy: 'admin-1' });
    await repos().templates.save(make('أول', 0));
    await repos().templates.save(make('ثاني {{orderNumber}}', 1_000));
    const found = await repos().templates.find(eventType, 'push', 'ar');
    expect(found?.toProps()).to.deep.equal(make('ثاني {{orderNumber}}', 1_000).toProps());
    expect(await repos().templates.find(eventType, 'push', 'en')).to.equal(null);
    expect((await repos().templates.list(eventType)).map((t) => t.toProps().body)).to.deep.equal(['ثاني {{orderNumber}}']);
    expect(await repos().templates.delete(eventType, 'push', 'ar')).to.equal(true);
    expect(await repos().templates.find(eventType, 'push', 'ar')).to.equal(null);
  });

  it('when preferences are saved, then they read back whole, quiet hours and muted channels included', async () => {
    const accountId = randomUUID();
    expect(await repos().preferences.find(accountId)).to.equal(null);
    const prefs = NotificationPreferences.create({ accountId, locale: 'en', timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' }, muted: { orders: ['sms', 'email'] }, updatedAt: T0 });
    await repos().preferences.save(prefs);
    expect((await repos().preferences.find(accountId))?.toProps()).to.deep.equal(prefs.toProps());
    const changed = NotificationPreferences.create({ ...prefs.toProps(), quietHours: null, muted: {}, updatedAt: at(1) });
    await repos().preferences.save(changed);
    expect((await repos().preferences.find(accountId))?.toProps()).to.deep.equal(changed.toProps());
  });

  it('when a device token is registered again by another account, then it moves, and activeSince sees only recent devices', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const token = `tok-${randomUUID()}`;
    await repos().devices.upsert({ token, accountId: a, platform: 'android', appVersion: '1.0.0', lastSeenAt: T0, createdAt: T0 });
    await repos().devices.upsert({ token: `${token}-2`, accountId: a, platform: 'ios', appVersion: '1.1.0', lastSeenAt: at(5_000), createdAt: at(5_000) });
    expect((await repos().devices.listByAccount(a)).map((d) => d.token)).to.deep.equal([`${token}-2`, token]);
    await repos().devices.upsert({ token, accountId: b, platform: 'android', appVersion: '1.2.0', lastSeenAt: at(10_000), createdAt: at(10_000) });
    expect((await repos().devices.listByAccount(a)).map((d) => d.token)).to.deep.equal([`${token}-2`]);
    expect(await repos().devices.listByAccount(b)).to.deep.equal([{ token, accountId: b, platform: 'android', appVersion: '1.2.0', lastSeenAt: at(10_000), createdAt: T0 }]);
    expect([...(await repos().devices.activeSince([a, b], at(6_000)))]).to.deep.equal([b]);
    expect(await repos().devices.remove(token, a)).to.equal(false);
    expect(await repos().devices.remove(token)).to.equal(true);
    expect(await repos().devices.listByAccount(b)).to.deep.equal([]);
  });

  it('when messages land in an inbox, then they list newest first, page back, count unread and mark read once', async () => {
    const accountId = randomUUID();
    const msg = (i: number): InboxMessage => ({ id: `${accountId}-${i}`, accountId, eventType: 'ordering.order.confirmed', category: 'orders', title: `t${i}`, body: `b${i}`, data: { orderId: `o${i}` }, createdAt: at(i * 1_000), readAt: null });
    for (const i of [1, 2, 3]) await repos().inbox.add(msg(i));
    await repos().inbox.add({ ...msg(9), accountId: randomUUID() });
    expect((await repos().inbox.list(accountId, { limit: 2 })).map((m) => m.id)).to.deep.equal([msg(3).id, msg(2).id]);
    expect(await repos().inbox.list(accountId, { limit: 5, before: msg(2).id })).to.deep.equal([msg(1)]);
    expect(await repos().inbox.unreadCount(accountId)).to.equal(3);
    expect(await repos().inbox.markRead(accountId, at(10_000), [msg(1).id, msg(9).id])).to.equal(1);
    expect(await repos().inbox.markRead(accountId, at(11_000), [msg(1).id])).to.equal(0);
    expect(await repos().inbox.unreadCount(accountId)).to.equal(2);
    expect((await repos().inbox.list(accountId, { limit: 5, unreadOnly: true })).map((m) => m.id)).to.deep.equal([msg(3).id, msg(2).id]);
    expect(await repos().inbox.markRead(accountId, at(12_000))).to.equal(2);
    expect(await repos().inbox.unreadCount(accountId)).to.equal(0);
  });

  it('when a key is claimed twice, then only the first wins; released as retrying, the next attempt wins once', async () => {
    const sourceId = randomUUID();
    const rec = { key: deliveryKey(sourceId, 'acc-1', 'email'), sourceId, accountId: 'acc-1', channel: 'email' as const, eventType: 'ordering.order.rejected', bulkId: null, createdAt: T0 };
    const claims = await Promise.all([1, 2, 3].map(() => repos().deliveryLog.claim(rec, T0)));
    expect(claims.filter(Boolean)).to.have.length(1);
    await repos().deliveryLog.settle(rec.key, 'retrying', 'smtp down', at(1));
    const again = await Promise.all([1, 2].map(() => repos().deliveryLog.claim(rec, at(2))));
    expect(again.filter(Boolean)).to.have.length(1);
    await repos().deliveryLog.settle(rec.key, 'sent', null, at(3));
    expect(await repos().deliveryLog.claim(rec, at(4))).to.equal(false);
    expect(await repos().deliveryLog.find(rec.key)).to.deep.equal({ ...rec, status: 'sent', reason: null, attempts: 2, updatedAt: at(3) });
  });

  it('when deliveries of a bulk send settle, then the report counts them per channel, and a skip never overwrites a claim', async () => {
    const bulkId = randomUUID();
    const rec = (acc: string, channel: 'sms' | 'push') => ({ key: deliveryKey(bulkId, acc, channel), sourceId: bulkId, accountId: acc, channel, eventType: 'notification.bulk', bulkId, createdAt: T0 });
    await repos().deliveryLog.claim(rec('a', 'sms'), T0);
    await repos().deliveryLog.settle(rec('a', 'sms').key, 'sent', null, T0);
    await repos().deliveryLog.claim(rec('b', 'sms'), T0);
    await repos().deliveryLog.settle(rec('b', 'sms').key, 'failed', 'provider said no', T0);
    await repos().deliveryLog.claim(rec('c', 'sms'), T0);
    await repos().deliveryLog.skip({ ...rec('c', 'sms'), reason: 'muted' }, T0);
    await repos().deliveryLog.skip({ ...rec('a', 'push'), reason: 'no_device' }, T0);
    const report = await repos().deliveryLog.report(bulkId);
    expect(report.sms).to.deep.equal({ sent: 1, failed: 1, skipped: 0, pending: 1 });
    expect(report.push).to.deep.equal({ sent: 0, failed: 0, skipped: 1, pending: 0 });
    expect(report.email).to.deep.equal({ sent: 0, failed: 0, skipped: 0, pending: 0 });
  });

  it('when a bulk send is created and updated, then it reads back with its segment and progress', async () => {
    const id = randomUUID();
    const bulk = { id, createdBy: 'admin-1', segment: { role: 'courier' as const, lastActiveSince: at(-86_400_000) }, channels: ['push' as const, 'in_app' as const], category: 'announcements' as const, content: { ar: { title: 'تنبيه', body: 'نص' } }, status: 'queued' as const, recipients: 0, createdAt: T0, finishedAt: null };
    await repos().bulkSends.create(bulk);
    expect(await repos().bulkSends.find(id)).to.deep.equal(bulk);
    await repos().bulkSends.update(id, { status: 'done', recipients: 42, finishedAt: at(60_000) });
    expect(await repos().bulkSends.find(id)).to.deep.equal({ ...bulk, status: 'done', recipients: 42, finishedAt: at(60_000) });
    expect(await repos().bulkSends.find(randomUUID())).to.equal(null);
  });
});
