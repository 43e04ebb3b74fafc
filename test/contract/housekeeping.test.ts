import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import type { OtpChallenge } from '../../domain/identity/model.js';

const OLD = new Date('2001-01-01T00:00:00.000Z');
const CUTOFF = new Date('2001-06-01T00:00:00.000Z');
const LATER = new Date('2001-12-01T00:00:00.000Z');

forEachBackend('Housekeeping purges contract', (ctx) => {
  const repos = () => createRepositories(ctx.store);

  it('when sessions expired before the cutoff, then purgeExpiredSessions deletes them and keeps the others', async () => {
    const s = repos().sessions;
    const session = (expiresAt: Date) => ({ id: randomUUID(), accountId: 'acc-hk', createdAt: OLD, expiresAt, revokedAt: null, revokedReason: null, ip: null, userAgent: null });
    const [gone, kept] = [session(OLD), session(LATER)];
    await s.createSession(gone);
    await s.createSession(kept);
    expect(await s.purgeExpiredSessions(CUTOFF)).to.be.at.least(1);
    expect(await s.findSession(gone.id)).to.equal(null);
    expect(await s.findSession(kept.id)).to.deep.equal(kept);
  });

  it('when refresh tokens expired before the cutoff, then purgeExpiredRefreshTokens deletes them and keeps the others', async () => {
    const s = repos().sessions;
    const token = (expiresAt: Date) => ({ tokenHash: randomUUID().replace(/-/g, ''), sessionId: 's-hk', accountId: 'a-hk', issuedAt: OLD, expiresAt, usedAt: null });
    const [gone, kept] = [token(OLD), token(LATER)];
    await s.addRefreshToken(gone);
    await s.addRefreshToken(kept);
    expect(await s.purgeExpiredRefreshTokens(CUTOFF)).to.be.at.least(1);
    expect(await s.findRefreshToken(gone.tokenHash)).to.equal(null);
    expect(await s.findRefreshToken(kept.tokenHash)).to.deep.equal(kept);
  });

  it('when OTP challenges expired before the cutoff, then purgeExpired deletes them and keeps the others', async () => {
    const o = repos().otps;
    const challenge = (accountId: string, expiresAt: Date): OtpChallenge => ({ id: randomUUID(), accountId, purpose: 'verify_phone', codeHash: 'h', createdAt: OLD, expiresAt, attempts: 0, maxAttempts: 5, consumedAt: null });
    const [gone, kept] = [challenge(randomUUID(), OLD), challenge(randomUUID(), LATER)];
    await o.create(gone);
    await o.create(kept);
    expect(await o.purgeExpired(CUTOFF)).to.be.at.least(1);
    expect(await o.findOpen(gone.accountId, 'verify_phone', new Date(0))).to.equal(null);
    expect((await o.findOpen(kept.accountId, 'verify_phone', OLD))?.id).to.equal(kept.id);
  });
});
