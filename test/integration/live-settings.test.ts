import { expect } from 'chai';
import pino from 'pino';
import { openMigratedPglite } from '../helpers/pglite-template.js';
import { prepareStore, closeStore, createRepositories, type Store } from '../../infra/db/index.js';
import { LiveSettings } from '../../infra/live-settings.js';
import { createRedisClient } from '../../infra/redis.js';
import type { SettingsRepository } from '../../domain/platform/ports.js';
import type { SettingChange } from '../../domain/platform/model.js';

const change = (key: string, version: number, value: unknown): SettingChange => ({ key, version, value, previousValue: null, updatedAt: new Date(), updatedBy: 'test', reason: null });

/** LiveSettings over a real PGlite store; `start` (the Redis part) is exercised by settings-propagation. */
describe('LiveSettings reloads', function () {
  this.timeout(30_000);
  let store: Store;
  let repo: SettingsRepository;
  const live = (settings: SettingsRepository) =>
    // Never connected: these tests call refresh and apply, not start.
    new LiveSettings({ settings, subscriber: createRedisClient({ url: 'redis://127.0.0.1:1' }, 'subscriber'), channel: 'test:settings:changed', refreshMs: 60_000, logger: pino({ level: 'silent' }) });

  before(async () => {
    store = { kind: 'sql', engine: 'pglite', sql: await openMigratedPglite() };
    await prepareStore(store);
    repo = createRepositories(store).settings;
  });
  after(async () => {
    await closeStore(store);
  });

  it('when a reload is asked for while an older read is still running, then it does not settle for that read: a second read follows', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reads = 0;
    // The first read is held until the change below has committed, as if the notice arrived mid-read.
    const slow: SettingsRepository = { ...repo, all: async () => (++reads === 1 ? repo.all().then(async (rows) => (await gate, rows)) : repo.all()), find: repo.find.bind(repo), apply: repo.apply.bind(repo), history: repo.history.bind(repo) };
    const l = live(slow);
    const first = l.refresh();
    await new Promise((r) => setTimeout(r, 50));
    expect(await repo.apply(change('order.autoRejectMinutes', 1, 25))).to.equal(true);
    const second = l.refresh();
    release();
    await Promise.all([first, second]);
    expect(reads).to.equal(2);
    expect(l.get('order.autoRejectMinutes')).to.equal(25);
    await l.stop();
  });

  it('when a change is applied locally, then an older version (a late notice or a slow read) never overwrites it, and values are frozen', async () => {
    const l = live(repo);
    await l.refresh();
    l.apply('finance.cashLimitMinor', 2, 9_000_000);
    l.apply('finance.cashLimitMinor', 1, 1_000);
    expect(l.get('finance.cashLimitMinor')).to.equal(9_000_000);
    expect(await repo.apply(change('finance.cashLimitMinor', 1, 1_000))).to.equal(true);
    await l.refresh();
    expect([l.get('finance.cashLimitMinor'), l.version('finance.cashLimitMinor')]).to.deep.equal([9_000_000, 2]);
    expect(() => (l.get('delivery.feeBands')[0]!.feeMinor = 1)).to.throw(TypeError);
    expect(l.get('delivery.feeBands')[0]!.feeMinor).to.equal(50_000);
    await l.stop();
  });
});
