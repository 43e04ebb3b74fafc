import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { AuditEntry, type AuditEntryProps } from '../../domain/platform/model.js';
import { pageRequest } from '../../domain/shared/pagination.js';

const entry = (over: Partial<AuditEntryProps> = {}): AuditEntry =>
  AuditEntry.create({
    id: randomUUID(),
    at: new Date('2026-01-01T10:00:00.000Z'),
    actor: { id: 'admin-1', role: 'admin' },
    action: 'account.suspend',
    resource: { type: 'account', id: 'acc-1' },
    outcome: 'success',
    origin: { ip: '203.0.113.7', userAgent: 'curl/8', requestId: 'req-1' },
    metadata: { reason: 'fraud', nested: { n: 1 } },
    ...over,
  });

forEachBackend('AuditLogRepository contract', (ctx) => {
  const repo = () => createRepositories(ctx.store).auditLog;
  const run = randomUUID().slice(0, 8); // entries of this run only

  it('when an entry is appended, then findById returns it field for field', async () => {
    const e = entry({ resource: { type: 'account', id: `r-${run}` } });
    expect(await repo().append(e)).to.equal(true);
    const got = await repo().findById(e.id);
    expect(got?.toView()).to.deep.equal(e.toView());
  });

  it('when the same id is appended twice, then the first write stays and the second reports false', async () => {
    const e = entry();
    await repo().append(e);
    const again = AuditEntry.create({ ...e.toProps(), action: 'account.delete', metadata: { overwritten: true } });
    expect(await repo().append(again)).to.equal(false);
    expect((await repo().findById(e.id))?.toView().action).to.equal('account.suspend');
  });

  it('when the id is unknown, then findById returns null', async () => {
    expect(await repo().findById(randomUUID())).to.equal(null);
  });

  it('when nullable fields are null, then they come back null', async () => {
    const e = entry({ actor: { id: null, role: 'system' }, resource: { type: 'system', id: null }, origin: { ip: null, userAgent: null, requestId: null }, metadata: {} });
    await repo().append(e);
    expect((await repo().findById(e.id))?.toView()).to.deep.equal(e.toView());
  });

  it('when metadata holds a Date, an undefined and nested objects, then it reads back in its JSON form, the same on every backend', async () => {
    const e = entry({
      metadata: { when: new Date('2026-02-03T04:05:06.789Z'), gone: undefined, nested: { deep: { n: 1.5, list: [1, 'a', null, undefined, { ok: true }] }, empty: {} } },
    });
    await repo().append(e);
    const got = (await repo().findById(e.id))!.toView().metadata;
    expect(got).to.deep.equal({ when: '2026-02-03T04:05:06.789Z', nested: { deep: { n: 1.5, list: [1, 'a', null, null, { ok: true }] }, empty: {} } });
    expect(got).not.to.have.property('gone');
  });

  describe('search', () => {
    const actor = `actor-${run}`;
    before(async () => {
      for (let i = 0; i < 25; i++) {
        await repo().append(
          entry({
            id: `${run}-${String(i).padStart(2, '0')}`,
            at: new Date(Date.UTC(2026, 0, 2, 0, i)),
            actor: { id: actor, role: 'admin' },
            action: i % 2 === 0 ? 'auth.login_failed' : 'account.suspend',
            resource: { type: i < 5 ? 'store' : 'account', id: `res-${i % 3}` },
            outcome: i % 5 === 0 ? 'failure' : 'success',
          }),
        );
      }
    });

    it('when filtered by actor, then results are newest first and paginated', async () => {
      const p1 = await repo().search({ actorId: actor }, pageRequest(1, 10));
      expect(p1.pagination).to.deep.equal({ page: 1, limit: 10, total: 25, totalPages: 3 });
      expect(p1.items.map((e) => e.id)[0]).to.equal(`${run}-24`);
      const times = p1.items.map((e) => e.at.getTime());
      expect(times).to.deep.equal([...times].sort((a, b) => b - a));
      const p3 = await repo().search({ actorId: actor }, pageRequest(3, 10));
      expect(p3.items.map((e) => e.id)).to.deep.equal([`${run}-04`, `${run}-03`, `${run}-02`, `${run}-01`, `${run}-00`]);
    });

    it('when filtered by action prefix, then only matching actions come back, and wildcards are literal', async () => {
      const r = await repo().search({ actorId: actor, actionPrefix: 'auth.' }, pageRequest(1, 100));
      expect(r.pagination.total).to.equal(13);
      expect(r.items.every((e) => e.toView().action.startsWith('auth.'))).to.equal(true);
      expect((await repo().search({ actorId: actor, actionPrefix: 'auth%' }, pageRequest(1, 100))).pagination.total).to.equal(0);
      expect((await repo().search({ actorId: actor, actionPrefix: 'a.*' }, pageRequest(1, 100))).pagination.total).to.equal(0);
    });

    it('when filtered by resource, outcome and time window, then the filters combine', async () => {
      const r = await repo().search(
        { actorId: actor, resourceType: 'account', resourceId: 'res-0', outcome: 'failure', from: new Date(Date.UTC(2026, 0, 2, 0, 10)), to: new Date(Date.UTC(2026, 0, 2, 0, 20)) },
        pageRequest(1, 100),
      );
      // i in [10,20) with i%3==0 (res-0), i%5==0 (failure), i>=5 (account): only 15
      expect(r.items.map((e) => e.id)).to.deep.equal([`${run}-15`]);
    });

    it('when the page is past the end, then items are empty and the total is still right', async () => {
      const r = await repo().search({ actorId: actor }, pageRequest(9, 10));
      expect(r.items).to.have.length(0);
      expect(r.pagination.total).to.equal(25);
    });
  });
});
