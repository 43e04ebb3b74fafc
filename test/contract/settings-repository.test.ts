import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import type { SettingChange } from '../../domain/platform/model.js';
import { ChangeSetting } from '../../domain/platform/use-cases/change-setting.js';
import { RecordAuditEntry } from '../../domain/platform/use-cases/record-audit-entry.js';
import { isAppError } from '../../domain/shared/errors.js';
import type { Principal } from '../../domain/shared/principal.js';
import type { Outbox } from '../../domain/shared/events.js';

const at = (m: number) => new Date(Date.UTC(2026, 11, 1, 9, m));
const change = (key: string, version: number, value: unknown, previousValue: unknown, over: Partial<SettingChange> = {}): SettingChange => ({
  key,
  version,
  value,
  previousValue,
  updatedAt: at(version),
  updatedBy: 'admin-1',
  reason: null,
  ...over,
});
const admin: Principal = { accountId: 'admin-7', role: 'admin', permissions: ['settings:read', 'settings:write'], sessionId: 's', tokenId: 't', expiresAt: Date.now() + 60_000 };

forEachBackend('SettingsRepository contract', (ctx) => {
  const repos = () => createRepositories(ctx.store);
  const key = () => `test.${randomUUID().slice(0, 8)}`;

  it('when a key was never changed, then find answers null and its history is empty', async () => {
    const k = key();
    expect(await repos().settings.find(k)).to.equal(null);
    expect(await repos().settings.history(k, 10)).to.deep.equal([]);
    expect((await repos().settings.all()).map((s) => s.key)).to.not.include(k);
  });

  it('when the first version is applied, then the value reads back (nested, any key order) with its version, time and author, and history holds it', async () => {
    const k = key();
    const value = [{ upToMeters: 2000, feeMinor: 50000 }, { upToMeters: 4500, feeMinor: 90000, note: { ar: 'قريب', en: 'near' } }];
    expect(await repos().settings.apply(change(k, 1, value, [], { reason: 'launch' }))).to.equal(true);
    const stored = await repos().settings.find(k);
    expect(stored).to.deep.equal({ key: k, value, version: 1, updatedAt: at(1), updatedBy: 'admin-1' });
    expect((await repos().settings.all()).find((s) => s.key === k)).to.deep.equal(stored);
    expect(await repos().settings.history(k, 10)).to.deep.equal([change(k, 1, value, [], { reason: 'launch' })]);
  });

  it('when a version other than the next one is applied, then it answers false and writes neither the value nor history', async () => {
    const k = key();
    expect(await repos().settings.apply(change(k, 2, 'B', 'A')), 'version 2 of a key never stored').to.equal(false);
    expect(await repos().settings.find(k)).to.equal(null);
    expect(await repos().settings.apply(change(k, 1, 'A', 'Z'))).to.equal(true);
    expect(await repos().settings.apply(change(k, 1, 'B', 'Z')), 'version 1 again').to.equal(false);
    expect(await repos().settings.apply(change(k, 3, 'C', 'A')), 'skipping version 2').to.equal(false);
    expect((await repos().settings.find(k))?.value).to.equal('A');
    expect((await repos().settings.history(k, 10)).map((h) => h.version)).to.deep.equal([1]);
  });

  it('when versions follow each other, then the latest is current and history lists them newest first, up to the limit', async () => {
    const k = key();
    for (let v = 1; v <= 4; v++) expect(await repos().settings.apply(change(k, v, v * 10, (v - 1) * 10))).to.equal(true);
    expect(await repos().settings.find(k)).to.deep.include({ version: 4, value: 40 });
    const history = await repos().settings.history(k, 3);
    expect(history.map((h) => [h.version, h.value, h.previousValue])).to.deep.equal([[4, 40, 30], [3, 30, 20], [2, 20, 10]]);
  });

  describe('ChangeSetting over this store', () => {
    const notices: { key: string; version: number }[] = [];
    const useCase = (over: { outbox?: Outbox } = {}) => {
      const r = repos();
      return new ChangeSetting({
        settings: r.settings,
        recordAuditEntry: new RecordAuditEntry({ auditLog: r.auditLog, clock: { now: () => at(30) }, ids: { next: randomUUID } }),
        outbox: over.outbox ?? r.outbox,
        unitOfWork: r.unitOfWork,
        settingsNotifier: { changed: (c) => void notices.push({ key: c.key, version: c.version }) },
        clock: { now: () => at(30) },
      });
    };
    const eventsOf = async (k: string) => (await repos().outbox.unpublished(10_000)).filter((e) => e.type === 'platform.setting.changed' && e.aggregateId === k);

    it('when an admin changes a setting, then the value, its history line, the audit entry and the event are all written, and processes are told', async () => {
      const r = await useCase().execute(admin, 'order.autoRejectMinutes', { value: 15, expectedVersion: 0, reason: 'slow kitchens' });
      expect(r).to.deep.include({ key: 'order.autoRejectMinutes', value: 15, version: 1, default: 10, changed: true, updatedBy: 'admin-7' });
      expect(await repos().settings.find('order.autoRejectMinutes')).to.deep.include({ value: 15, version: 1 });
      expect((await repos().settings.history('order.autoRejectMinutes', 5))[0]).to.deep.include({ version: 1, value: 15, previousValue: 10, reason: 'slow kitchens' });
      const audit = await repos().auditLog.findById('setting.changed:order.autoRejectMinutes:1');
      expect(audit?.toView()).to.deep.include({ action: 'setting.changed', actor: { id: 'admin-7', role: 'admin' }, resource: { type: 'setting', id: 'order.autoRejectMinutes' } });
      expect(audit?.toView().metadata).to.deep.include({ version: 1, value: 15, previousValue: 10 });
      const events = await eventsOf('order.autoRejectMinutes');
      expect(events.map((e) => [e.aggregateVersion, e.payload])).to.deep.equal([[1, { key: 'order.autoRejectMinutes', version: 1, value: 15, previousValue: 10, changedBy: 'admin-7', at: at(30).toISOString() }]]);
      expect(notices).to.deep.include({ key: 'order.autoRejectMinutes', version: 1 });
    });

    it('when the same value is sent again (a retry, even with the old version), then nothing new is written and the current version answers', async () => {
      const first = await useCase().execute(admin, 'finance.cashLimitMinor', { value: 7_500_000, expectedVersion: 0 });
      const again = await useCase().execute(admin, 'finance.cashLimitMinor', { value: 7_500_000, expectedVersion: 0 });
      expect([first.version, first.changed, again.version, again.changed]).to.deep.equal([1, true, 1, false]);
      expect(await repos().settings.history('finance.cashLimitMinor', 5)).to.have.length(1);
      expect(await eventsOf('finance.cashLimitMinor')).to.have.length(1);
      const atDefault = await useCase().execute(admin, 'vat.rateBps', { value: 0, expectedVersion: 0 });
      expect([atDefault.version, atDefault.changed], 'the default itself is no change').to.deep.equal([0, false]);
      expect(await repos().settings.find('vat.rateBps')).to.equal(null);
    });

    it('when expectedVersion is stale, then 409 SETTING_VERSION_CONFLICT names the current version and nothing is written', async () => {
      await useCase().execute(admin, 'currency', { value: 'USD', expectedVersion: 0 });
      const err = await useCase().execute(admin, 'currency', { value: 'EUR', expectedVersion: 0 }).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).to.equal('SETTING_VERSION_CONFLICT');
      expect(isAppError(err) && err.details).to.deep.equal([{ field: 'expectedVersion', reason: 'stale_version', message: 'is not the current version', expected: 0, current: 1 }]);
      expect(await repos().settings.find('currency')).to.deep.include({ value: 'USD', version: 1 });
      expect(await eventsOf('currency')).to.have.length(1);
    });

    it('when writing the event fails, then the value, history and audit entry roll back with it', async () => {
      const failing: Outbox = { add: () => Promise.reject(new Error('outbox unavailable')) };
      const err = await useCase({ outbox: failing }).execute(admin, 'dispatch.weights', { value: { eta: 0.5, idle: 0.3, acceptanceRate: 0.2 }, expectedVersion: 0 }).catch((e: unknown) => e);
      expect((err as Error).message).to.equal('outbox unavailable');
      expect(await repos().settings.find('dispatch.weights')).to.equal(null);
      expect(await repos().settings.history('dispatch.weights', 5)).to.deep.equal([]);
      expect(await repos().auditLog.findById('setting.changed:dispatch.weights:1')).to.equal(null);
    });

    ctx.itIsolation('when 8 admins change one key from the same version at once, then exactly one wins and the others get SETTING_VERSION_CONFLICT', async () => {
      const values = Array.from({ length: 8 }, (_, i) => 1000 + i);
      const results = await Promise.allSettled(values.map((v) => useCase().execute(admin, 'order.minimumDefaultMinor', { value: v, expectedVersion: 0 })));
      const won = results.filter((r) => r.status === 'fulfilled');
      const codes = results.flatMap((r) => (r.status === 'rejected' && isAppError(r.reason) ? [r.reason.code] : []));
      expect(won).to.have.length(1);
      expect(codes).to.deep.equal(Array(7).fill('SETTING_VERSION_CONFLICT'));
      expect(await repos().settings.history('order.minimumDefaultMinor', 20)).to.have.length(1);
      expect(await eventsOf('order.minimumDefaultMinor')).to.have.length(1);
    });
  });
});
