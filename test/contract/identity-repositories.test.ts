import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { Account, type OtpChallenge } from '../../domain/identity/model.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { isAppError } from '../../domain/shared/errors.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
let n = 0;
const phone = () => `+1415${String(Date.now() % 1_000_000).padStart(6, '0')}${String(n++ % 10)}`.slice(0, 12 + (n % 3));
const account = (over: { role?: 'customer' | 'courier' | 'store_owner'; at?: Date; phone?: string } = {}) =>
  Account.create({ id: randomUUID(), role: over.role ?? 'customer', phone: over.phone ?? phone(), passwordHash: '$argon2id$fake', at: over.at ?? T0 });

async function expectConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
    expect.fail('expected CONFLICT');
  } catch (err) {
    expect(isAppError(err) && err.code).to.equal('CONFLICT');
  }
}

forEachBackend('Identity repositories contract', (ctx) => {
  const repos = () => createRepositories(ctx.store);

  describe('AccountRepository', () => {
    it('when an account is created, then it is found by id, phone and email with every field', async () => {
      const a = account({ role: 'courier' });
      a.updateProfile({ email: `C${n}@Example.com`, name: 'Rana', vehicleType: 'motorbike', capacityKg: 20 }, T0);
      a.verifyPhone(T0);
      await repos().accounts.create(a);
      const byId = await repos().accounts.findById(a.id);
      expect(byId?.toProps()).to.deep.equal(a.toProps());
      expect((await repos().accounts.findByPhone(a.phone))?.id).to.equal(a.id);
      expect((await repos().accounts.findByEmail(a.email!))?.id).to.equal(a.id);
      expect(a.email).to.equal(`c${n}@example.com`);
    });

    it('when the phone or the email is taken, then create and save answer CONFLICT', async () => {
      const a = account();
      a.updateProfile({ email: `dup-${randomUUID()}@x.io` }, T0);
      await repos().accounts.create(a);
      await expectConflict(repos().accounts.create(account({ phone: a.phone })));
      const b = account();
      await repos().accounts.create(b);
      const b2 = (await repos().accounts.findById(b.id))!;
      b2.updateProfile({ email: a.email }, T0);
      await expectConflict(repos().accounts.save(b2));
    });

    it('when two copies are saved, then the second save is a CONFLICT and the first one stays', async () => {
      const a = account();
      await repos().accounts.create(a);
      const x = (await repos().accounts.findById(a.id))!;
      const y = (await repos().accounts.findById(a.id))!;
      x.suspend('fraud', 'admin-1', new Date(T0.getTime() + 1000));
      await repos().accounts.save(x);
      y.updateProfile({ name: 'late' }, T0);
      await expectConflict(repos().accounts.save(y));
      const got = (await repos().accounts.findById(a.id))!;
      expect(got.status).to.equal('suspended');
      expect(got.toView().suspension).to.deep.equal({ reason: 'fraud', at: new Date(T0.getTime() + 1000).toISOString() });
      got.unsuspend(T0);
      await repos().accounts.save(got);
      expect((await repos().accounts.findById(a.id))!.version).to.equal(2);
    });

    it('when an id, phone or email is unknown, then null', async () => {
      expect(await repos().accounts.findById(randomUUID())).to.equal(null);
      expect(await repos().accounts.findByPhone('+19999999999')).to.equal(null);
      expect(await repos().accounts.findByEmail('nobody@nowhere.io')).to.equal(null);
    });

    it('when searched by text, role and status, then filters combine, newest first, paginated, wildcards literal', async () => {
      const tag = randomUUID().slice(0, 8);
      for (let i = 0; i < 7; i++) {
        const a = account({ role: i % 2 ? 'courier' : 'customer', at: new Date(T0.getTime() + i * 60_000) });
        a.updateProfile({ name: `Zed ${tag} ${i}` }, T0);
        if (i < 5) a.verifyPhone(T0);
        await repos().accounts.create(a);
      }
      const all = await repos().accounts.search({ q: tag }, pageRequest(1, 3));
      expect(all.pagination).to.deep.equal({ page: 1, limit: 3, total: 7, totalPages: 3 });
      expect(all.items.map((a) => (a.toView().profile as { name: string }).name)).to.deep.equal([`Zed ${tag} 6`, `Zed ${tag} 5`, `Zed ${tag} 4`]);
      const couriers = await repos().accounts.search({ q: tag.toUpperCase(), role: 'courier', status: 'active' }, pageRequest(1, 10));
      expect(couriers.items.map((a) => (a.toView().profile as { name: string }).name).sort()).to.deep.equal([`Zed ${tag} 1`, `Zed ${tag} 3`]);
      expect((await repos().accounts.search({ q: `${tag}%` }, pageRequest(1, 10))).pagination.total).to.equal(0);
      expect((await repos().accounts.search({ q: tag, verification: 'not_submitted' }, pageRequest(1, 10))).pagination.total).to.equal(3);
    });
  });

  describe('SessionRepository', () => {
    const session = (accountId: string, id: string = randomUUID()) => ({ id, accountId, createdAt: T0, expiresAt: new Date(T0.getTime() + 86_400_000), revokedAt: null, revokedReason: null, ip: '203.0.113.1', userAgent: 'ua' });

    it('when a session is created and revoked, then the first revocation wins', async () => {
      const s = session('acc-' + randomUUID());
      await repos().sessions.createSession(s);
      expect(await repos().sessions.findSession(s.id)).to.deep.equal(s);
      expect(await repos().sessions.revokeSession(s.id, T0, 'logout')).to.equal(true);
      expect(await repos().sessions.revokeSession(s.id, new Date(), 'suspended')).to.equal(false);
      expect(await repos().sessions.findSession(s.id)).to.deep.include({ revokedAt: T0, revokedReason: 'logout' });
      expect(await repos().sessions.findSession(randomUUID())).to.equal(null);
    });

    it('when all sessions of an account are revoked, then only its open ones are returned and closed', async () => {
      const acc = 'acc-' + randomUUID();
      const [a, b, c] = [session(acc, `${acc}-a`), session(acc, `${acc}-b`), session(acc, `${acc}-c`)];
      const other = session('other-' + randomUUID());
      for (const s of [a, b, c, other]) await repos().sessions.createSession(s);
      await repos().sessions.revokeSession(c.id, T0, 'logout');
      expect(await repos().sessions.revokeAllForAccount(acc, T0, 'password_reset')).to.deep.equal([a.id, b.id]);
      expect(await repos().sessions.revokeAllForAccount(acc, T0, 'password_reset')).to.deep.equal([]);
      expect((await repos().sessions.findSession(other.id))?.revokedAt).to.equal(null);
    });

    ctx.itIsolation('when two calls revoke all sessions of an account at once, then each session is reported by exactly one of them', async () => {
      const acc = 'acc-' + randomUUID();
      const ids = [`${acc}-a`, `${acc}-b`, `${acc}-c`, `${acc}-d`];
      for (const id of ids) await repos().sessions.createSession(session(acc, id));
      const [x, y] = await Promise.all([repos().sessions.revokeAllForAccount(acc, T0, 'suspended'), repos().sessions.revokeAllForAccount(acc, T0, 'suspended')]);
      expect([...x, ...y].sort()).to.deep.equal(ids);
    });

    it('when a refresh token is marked used twice in a row, then only the first succeeds', async () => {
      const t = { tokenHash: randomUUID().replace(/-/g, ''), sessionId: 's-1', accountId: 'a-1', issuedAt: T0, expiresAt: new Date(T0.getTime() + 1000), usedAt: null };
      await repos().sessions.addRefreshToken(t);
      expect(await repos().sessions.markRefreshTokenUsed(t.tokenHash, T0)).to.equal(true);
      expect(await repos().sessions.markRefreshTokenUsed(t.tokenHash, new Date(T0.getTime() + 1))).to.equal(false);
      expect((await repos().sessions.findRefreshToken(t.tokenHash))?.usedAt).to.deep.equal(T0);
    });

    ctx.itIsolation('when a refresh token is marked used twice, then only the first succeeds', async () => {
      const t = { tokenHash: randomUUID().replace(/-/g, ''), sessionId: 's-1', accountId: 'a-1', issuedAt: T0, expiresAt: new Date(T0.getTime() + 1000), usedAt: null };
      await repos().sessions.addRefreshToken(t);
      expect(await repos().sessions.findRefreshToken(t.tokenHash)).to.deep.equal(t);
      const results = await Promise.all([repos().sessions.markRefreshTokenUsed(t.tokenHash, T0), repos().sessions.markRefreshTokenUsed(t.tokenHash, T0)]);
      expect(results.filter(Boolean)).to.have.length(1);
      expect((await repos().sessions.findRefreshToken(t.tokenHash))?.usedAt).to.deep.equal(T0);
      expect(await repos().sessions.findRefreshToken('nope')).to.equal(null);
    });
  });

  describe('OtpRepository', () => {
    const challenge = (accountId: string, over: Partial<OtpChallenge> = {}): OtpChallenge => ({
      id: randomUUID(), accountId, purpose: 'verify_phone', codeHash: 'h', createdAt: T0, expiresAt: new Date(T0.getTime() + 300_000), attempts: 0, maxAttempts: 5, consumedAt: null, ...over,
    });

    it('when a newer challenge is created, then the older one is dead and only the newer is open', async () => {
      const acc = randomUUID();
      const old = challenge(acc);
      const fresh = challenge(acc, { createdAt: new Date(T0.getTime() + 60_000), expiresAt: new Date(T0.getTime() + 360_000) });
      await repos().otps.create(old);
      await repos().otps.create(fresh);
      expect((await repos().otps.findOpen(acc, 'verify_phone', T0))?.id).to.equal(fresh.id);
      expect(await repos().otps.recordAttempt(old.id)).to.equal(null);
      expect(await repos().otps.consume(old.id, T0)).to.equal(false);
      expect(await repos().otps.findOpen(acc, 'reset_password', T0)).to.equal(null);
    });

    it('when the challenge expires, then it is no longer open', async () => {
      const c = challenge(randomUUID());
      await repos().otps.create(c);
      expect(await repos().otps.findOpen(c.accountId, 'verify_phone', new Date(T0.getTime() + 299_999))).to.deep.equal(c);
      expect(await repos().otps.findOpen(c.accountId, 'verify_phone', c.expiresAt)).to.equal(null);
    });

    it('when attempts are recorded one after another, then they count up to the maximum and then stop', async () => {
      const c = challenge(randomUUID(), { maxAttempts: 3 });
      await repos().otps.create(c);
      const counts: (number | null)[] = [];
      for (let i = 0; i < 5; i++) counts.push(await repos().otps.recordAttempt(c.id));
      expect(counts).to.deep.equal([1, 2, 3, null, null]);
    });

    ctx.itIsolation('when attempts are recorded, then they count up to the maximum and then stop', async () => {
      const c = challenge(randomUUID(), { maxAttempts: 3 });
      await repos().otps.create(c);
      const counts = await Promise.all([1, 2, 3, 4, 5].map(() => repos().otps.recordAttempt(c.id)));
      expect(counts.filter((x) => x !== null).sort()).to.deep.equal([1, 2, 3]);
      expect(counts.filter((x) => x === null)).to.have.length(2);
    });

    it('when a challenge is consumed twice, then the replay is refused and it is no longer open', async () => {
      const c = challenge(randomUUID());
      await repos().otps.create(c);
      expect(await repos().otps.consume(c.id, T0)).to.equal(true);
      expect(await repos().otps.consume(c.id, T0)).to.equal(false);
      expect(await repos().otps.findOpen(c.accountId, 'verify_phone', T0)).to.equal(null);
      expect(await repos().otps.recordAttempt(c.id)).to.equal(null);
    });
  });

  describe('operator injection', () => {
    // An HTTP body can carry { "$ne": null } where a string belongs; it must never match anything.
    const evil = { $ne: null } as unknown as string;
    const neverFound = async (p: Promise<unknown>) => {
      const r = await p.then((v) => ({ v }), (err: unknown) => ({ err }));
      if ('err' in r) expect(isAppError(r.err) && r.err.code).to.equal('VALIDATION_ERROR');
      else expect(r.v === null || r.v === false || (Array.isArray(r.v) && r.v.length === 0), `got ${JSON.stringify(r.v)}`).to.equal(true);
    };

    before(async () => {
      const a = account();
      a.updateProfile({ email: `inj-${randomUUID()}@x.io` }, T0);
      await repos().accounts.create(a);
      const acc = a.id;
      await repos().sessions.createSession({ id: randomUUID(), accountId: acc, createdAt: T0, expiresAt: new Date(T0.getTime() + 1000), revokedAt: null, revokedReason: null, ip: null, userAgent: null });
      await repos().sessions.addRefreshToken({ tokenHash: randomUUID(), sessionId: 's', accountId: acc, issuedAt: T0, expiresAt: T0, usedAt: null });
      await repos().otps.create({ id: randomUUID(), accountId: acc, purpose: 'verify_phone', codeHash: 'h', createdAt: T0, expiresAt: new Date(T0.getTime() + 300_000), attempts: 0, maxAttempts: 5, consumedAt: null });
      await repos().documents.add({ id: randomUUID(), accountId: acc, kind: 'id_card', contentType: 'image/png', sizeBytes: 1, sha256: 'ab', storageKey: 'k', uploadedAt: T0 });
    });

    it('when an object is given where an id, phone or email belongs, then no account is found', async () => {
      await neverFound(repos().accounts.findById(evil));
      await neverFound(repos().accounts.findByPhone(evil));
      await neverFound(repos().accounts.findByEmail(evil));
    });

    it('when an object is given where a search filter string belongs, then nothing matches', async () => {
      const r = await repos().accounts.search({ role: evil as never, status: evil as never }, pageRequest(1, 10)).then((p) => p.items, (err: unknown) => err);
      if (Array.isArray(r)) expect(r).to.have.length(0);
      else expect(isAppError(r) && r.code).to.equal('VALIDATION_ERROR');
    });

    it('when an object is given where a session, token, challenge or document id belongs, then nothing is read or changed', async () => {
      await neverFound(repos().sessions.findSession(evil));
      await neverFound(repos().sessions.revokeSession(evil, T0, 'x'));
      await neverFound(repos().sessions.revokeAllForAccount(evil, T0, 'x'));
      await neverFound(repos().sessions.findRefreshToken(evil));
      await neverFound(repos().sessions.markRefreshTokenUsed(evil, T0));
      await neverFound(repos().otps.findOpen(evil, 'verify_phone', T0));
      await neverFound(repos().otps.recordAttempt(evil));
      await neverFound(repos().otps.consume(evil, T0));
      await neverFound(repos().documents.findById(evil));
      await neverFound(repos().documents.listByAccount(evil));
    });
  });

  describe('DocumentRepository', () => {
    it('when documents are added, then they list oldest first per account and are found by id', async () => {
      const acc = randomUUID();
      const d = (i: number) => ({ id: randomUUID(), accountId: acc, kind: 'id_card' as const, contentType: 'image/png', sizeBytes: 10 + i, sha256: 'ab'.repeat(32), storageKey: `${acc}/${i}.png`, uploadedAt: new Date(T0.getTime() + i * 1000) });
      const [second, first] = [d(2), d(1)];
      await repos().documents.add(second);
      await repos().documents.add(first);
      await repos().documents.add({ ...d(3), accountId: 'someone-else' });
      expect(await repos().documents.listByAccount(acc)).to.deep.equal([first, second]);
      expect(await repos().documents.findById(first.id)).to.deep.equal(first);
      expect(await repos().documents.findById(randomUUID())).to.equal(null);
    });
  });
});
