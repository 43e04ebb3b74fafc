import { expect } from 'chai';
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { openMigratedPglite } from '../helpers/pglite-template.js';
import { closeStore, createRepositories, prepareStore, type Repositories, type Store } from '../../infra/db/index.js';
import { RecordAuditEntry } from '../../domain/platform/use-cases/record-audit-entry.js';
import { auditEntryEvent } from '../../domain/platform/events.js';
import { systemClock, uuidIds } from '../../domain/shared/ids.js';
import { auditProcessor } from '../../workers/processors/audit.js';
import { eventConsumer } from '../../workers/consume.js';

const jobOf = (data: unknown) => ({ data }) as Job;

describe('event consumers (PGlite): idempotent by processed event id', function () {
  this.timeout(30_000);
  let store: Store;
  let repos: Repositories;
  before(async () => {
    store = { kind: 'sql', engine: 'pglite', sql: await openMigratedPglite() };
    await prepareStore(store);
    repos = createRepositories(store);
  });
  after(async () => {
    await closeStore(store);
  });

  const deps = () => ({ unitOfWork: repos.unitOfWork, processedEvents: repos.processedEvents, clock: systemClock });

  it('when the same event is delivered twice, then the handler runs once and the second answers duplicate', async () => {
    const [event] = await repos.outbox.add([auditEntryEvent({ id: 'dup-1', actor: { id: null, role: 'system' }, action: 'system.dup_test', resource: { type: 'process' } }, new Date())]);
    let runs = 0;
    const process = eventConsumer('audit', deps(), async () => void runs++);
    expect(await process(jobOf(event))).to.deep.equal({ eventId: event!.id, duplicate: false });
    expect(await process(jobOf(event))).to.deep.equal({ eventId: event!.id, duplicate: true });
    expect(runs).to.equal(1);
  });

  it('when the handler fails, then no record is kept and the redelivery runs it again', async () => {
    const [event] = await repos.outbox.add([auditEntryEvent({ id: 'fail-1', actor: { id: null, role: 'system' }, action: 'system.fail_test', resource: { type: 'process' } }, new Date())]);
    let runs = 0;
    const process = eventConsumer('audit', deps(), async () => {
      runs++;
      if (runs === 1) throw new Error('database hiccup');
    });
    const err = await process(jobOf(event)).then(() => null, (e: Error) => e);
    expect(err?.message).to.equal('database hiccup');
    expect(await process(jobOf(event))).to.deep.equal({ eventId: event!.id, duplicate: false });
    expect(runs).to.equal(2);
  });

  it('when the job is not an event or not one this consumer takes, then it is unrecoverable (never retried)', async () => {
    const process = eventConsumer('audit', deps(), async () => undefined);
    const garbage = await process(jobOf({ id: 'x', actor: {} })).then(() => null, (e: unknown) => e);
    expect(garbage).to.be.instanceOf(UnrecoverableError);
    const [event] = await repos.outbox.add([auditEntryEvent({ id: 'other-1', actor: { id: null, role: 'system' }, action: 'system.other', resource: { type: 'process' } }, new Date())]);
    const foreign = await process(jobOf({ ...event!, type: 'billing.invoice.issued' })).then(() => null, (e: unknown) => e);
    expect(foreign).to.be.instanceOf(UnrecoverableError);
  });

  it('when the audit consumer gets an entry request twice, then one entry is written with the requested id', async () => {
    const recordAuditEntry = new RecordAuditEntry({ auditLog: repos.auditLog, clock: systemClock, ids: uuidIds });
    const process = auditProcessor({ ...deps(), recordAuditEntry });
    const [event] = await repos.outbox.add([auditEntryEvent({ id: 'entry-twice', actor: { id: 'adm-1', role: 'admin' }, action: 'account.suspended', resource: { type: 'account', id: 'acc-9' } }, new Date())]);
    await process(jobOf(event));
    await process(jobOf(event));
    const found = await repos.auditLog.search({ resourceId: 'acc-9' }, { page: 1, limit: 10 });
    expect(found.items.map((e) => e.id)).to.deep.equal(['entry-twice']);
  });
});
