import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { WebhookEndpoint, WebhookMessage, type WebhookAttempt } from '../../domain/webhooks/model.js';
import { pageRequest } from '../../domain/shared/pagination.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
const endpoint = (storeId: string | null, eventTypes = ['ordering.order.placed'], s = 0) =>
  WebhookEndpoint.create({ id: randomUUID(), storeId, createdBy: 'owner-1', url: 'https://hooks.example.com/in', eventTypes, at: at(s) });
const message = (endpointId: string, over: { eventId?: string; aggregateId?: string; s?: number } = {}) =>
  WebhookMessage.create({
    id: `msg_${randomUUID()}`, endpointId, eventId: over.eventId ?? randomUUID(), eventType: 'ordering.order.placed', aggregateId: over.aggregateId ?? 'order-1', sequence: over.s ?? 0,
    occurredAt: at(over.s ?? 0).toISOString(), body: '{"type":"ordering.order.placed"}', at: at(over.s ?? 0),
  });
const attempt = (m: WebhookMessage, n: number): WebhookAttempt => ({ messageId: m.id, endpointId: m.endpointId, n, at: at(n).toISOString(), statusCode: 500, latencyMs: 12, outcome: 'failed', response: 'boom', error: null });

forEachBackend('Webhook repositories contract', (ctx) => {
  const repos = () => createRepositories(ctx.store);

  it('when an endpoint is created, saved and deleted, then it reads back field for field, a stale save is refused, and its messages go with it', async () => {
    const e = endpoint(`store-${randomUUID()}`);
    await repos().webhookEndpoints.create(e);
    expect((await repos().webhookEndpoints.findById(e.id))?.toProps()).to.deep.equal(e.toProps());
    const v = e.version;
    e.rotate(60_000, at(5));
    e.recordFailure(at(6), 1_000);
    expect(await repos().webhookEndpoints.save(e, v)).to.equal(true);
    expect(await repos().webhookEndpoints.save(e, v), 'stale').to.equal(false);
    const back = (await repos().webhookEndpoints.findById(e.id))!;
    expect(back.toProps()).to.deep.equal(e.toProps());
    expect(back.signingSecrets(at(7))).to.have.length(2);
    const m = message(e.id);
    await repos().webhookMessages.createMany([m]);
    expect(await repos().webhookEndpoints.delete(e.id)).to.equal(true);
    expect(await repos().webhookEndpoints.findById(e.id)).to.equal(null);
    expect(await repos().webhookMessages.findById(m.id)).to.equal(null);
    expect(await repos().webhookEndpoints.delete(e.id)).to.equal(false);
  });

  it("when subscribers are asked for, then a store's event reaches that store's and platform endpoints only, enabled and subscribed", async () => {
    const type = `ordering.order.t${randomUUID().slice(0, 8)}`;
    const store = `store-${randomUUID()}`;
    const mine = endpoint(store, [type]);
    const other = endpoint(`store-${randomUUID()}`, [type]);
    const platform = endpoint(null, [type, 'x.y.z']);
    const unsubscribed = endpoint(store, ['ordering.order.other']);
    const disabled = endpoint(store, [type]);
    disabled.update({ enabled: false }, at(1));
    for (const e of [mine, other, platform, unsubscribed, disabled]) await repos().webhookEndpoints.create(e);
    const ids = async (s: string | null) => (await repos().webhookEndpoints.subscribers(type, s)).map((e) => e.id).sort();
    expect(await ids(store)).to.deep.equal([mine.id, platform.id].sort());
    expect(await ids(null)).to.deep.equal([platform.id]);
  });

  it("when endpoints are listed by store, then only those stores' (and platform ones when asked) come, newest first", async () => {
    const [s1, s2] = [`store-${randomUUID()}`, `store-${randomUUID()}`];
    const a = endpoint(s1, undefined, 1);
    const b = endpoint(s1, undefined, 2);
    const c = endpoint(s2, undefined, 3);
    for (const e of [a, b, c]) await repos().webhookEndpoints.create(e);
    const page = await repos().webhookEndpoints.list({ storeIds: [s1] }, pageRequest(1, 10));
    expect(page.items.map((e) => e.id)).to.deep.equal([b.id, a.id]);
    expect(page.pagination.total).to.equal(2);
    expect((await repos().webhookEndpoints.list({ storeIds: [] }, pageRequest(1, 10))).items).to.deep.equal([]);
    const withPlatform = await repos().webhookEndpoints.list({ storeIds: [s2], platform: true }, pageRequest(1, 100));
    expect(withPlatform.items.every((e) => e.storeId === s2 || e.storeId === null)).to.equal(true);
    expect(withPlatform.items.map((e) => e.id)).to.include(c.id);
  });

  it('when the same fan-out is stored twice, then one message per endpoint and event exists and both answers name it', async () => {
    const e = endpoint(null);
    await repos().webhookEndpoints.create(e);
    const eventId = randomUUID();
    const first = await repos().webhookMessages.createMany([message(e.id, { eventId })]);
    const again = await repos().webhookMessages.createMany([message(e.id, { eventId })]);
    expect(first).to.have.length(1);
    expect(again.map((m) => m.id)).to.deep.equal(first.map((m) => m.id));
    expect((await repos().webhookMessages.list(e.id, {}, pageRequest(1, 10))).pagination.total).to.equal(1);
    const raced = await Promise.all(Array.from({ length: 4 }, () => repos().webhookMessages.createMany([message(e.id, { eventId: 'raced' })])));
    expect(new Set(raced.map((r) => r[0]!.id)).size).to.equal(1);
  });

  it('when a message is saved and attempts are logged, then a stale save and a repeated attempt are refused, and the log reads in order', async () => {
    const e = endpoint(null);
    await repos().webhookEndpoints.create(e);
    const [m] = await repos().webhookMessages.createMany([message(e.id)]);
    const v = m!.version;
    m!.settle(1, { statusCode: 500, latencyMs: 5, outcome: 'failed', response: 'x', error: null }, [0, 1_000], at(1));
    expect(await repos().webhookMessages.save(m!, v)).to.equal(true);
    expect(await repos().webhookMessages.save(m!, v)).to.equal(false);
    expect((await repos().webhookMessages.findById(m!.id))?.toProps()).to.deep.equal(m!.toProps());
    expect(await repos().webhookMessages.recordAttempt(attempt(m!, 2))).to.equal(true);
    expect(await repos().webhookMessages.recordAttempt(attempt(m!, 1))).to.equal(true);
    expect(await repos().webhookMessages.recordAttempt(attempt(m!, 1))).to.equal(false);
    expect((await repos().webhookMessages.attempts(m!.id)).map((a) => a.n)).to.deep.equal([1, 2]);
    expect((await repos().webhookMessages.attempts(m!.id))[0]).to.deep.equal(attempt(m!, 1));
  });

  it('when failed messages are recovered since a time, and an entity has an earlier pending message, then both reads answer exactly', async () => {
    const e = endpoint(null);
    await repos().webhookEndpoints.create(e);
    const msgs = await repos().webhookMessages.createMany([message(e.id, { s: 1 }), message(e.id, { s: 2 }), message(e.id, { s: 3 })]);
    const byTime = msgs.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    for (const m of byTime.slice(0, 2)) {
      const v = m.version;
      m.settle(1, { statusCode: 500, latencyMs: 1, outcome: 'failed', response: '', error: null }, [0], at(9));
      await repos().webhookMessages.save(m, v);
    }
    expect((await repos().webhookMessages.failedSince(e.id, at(2), 10)).map((m) => m.id)).to.deep.equal([byTime[1]!.id]);
    expect((await repos().webhookMessages.failedSince(e.id, at(0), 10)).map((m) => m.id)).to.deep.equal([byTime[0]!.id, byTime[1]!.id]);
    expect((await repos().webhookMessages.list(e.id, { status: 'pending' }, pageRequest(1, 10))).items.map((m) => m.id)).to.deep.equal([byTime[2]!.id]);
    const [first, second] = await repos().webhookMessages.createMany([message(e.id, { aggregateId: 'order-9', s: 4 }), message(e.id, { aggregateId: 'order-9', s: 5 })]);
    const [early, late] = [first!, second!].sort((a, b) => a.sequence - b.sequence);
    expect(await repos().webhookMessages.hasEarlierPending(late!)).to.equal(true);
    expect(await repos().webhookMessages.hasEarlierPending(early!)).to.equal(false);
  });
});
