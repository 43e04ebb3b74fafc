import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import type { StoredResponse } from '../../domain/platform/idempotency.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const RESPONSE: StoredResponse = { status: 201, body: { success: true, data: { id: 'c-1', totalMinor: 12_345, lines: [{ q: 2 }] } }, headers: { location: '/api/v1/checkouts/c-1' } };

forEachBackend('IdempotencyRepository contract', (ctx) => {
  const repo = () => createRepositories(ctx.store).idempotencyKeys;
  const claimOf = (key: string, over: Partial<{ scope: string; fingerprint: string; claimToken: string; lockedUntil: Date; createdAt: Date }> = {}) => ({
    scope: 'acct-1:POST /api/v1/checkout', key, fingerprint: 'fp-a', claimToken: randomUUID(), lockedUntil: at(60_000), createdAt: T0, ...over,
  });

  it('when a key is claimed for the first time, then it is held in flight with no response', async () => {
    const key = randomUUID();
    const c = claimOf(key);
    expect(await repo().claim(c, T0)).to.deep.equal({ claimed: true });
    expect(await repo().find(c.scope, key)).to.deep.equal({ ...c, state: 'in_flight', response: null });
  });

  it('when the key is claimed again while in flight, then the second claim gets the first record, untouched', async () => {
    const key = randomUUID();
    const first = claimOf(key);
    await repo().claim(first, T0);
    const second = await repo().claim(claimOf(key, { fingerprint: 'fp-b' }), at(1_000));
    expect(second.claimed).to.equal(false);
    expect(second.claimed === false && second.record).to.deep.include({ state: 'in_flight', claimToken: first.claimToken, fingerprint: 'fp-a' });
  });

  it('when the same key is used by another scope, then both claims succeed (callers never share keys)', async () => {
    const key = randomUUID();
    expect((await repo().claim(claimOf(key), T0)).claimed).to.equal(true);
    expect((await repo().claim(claimOf(key, { scope: 'acct-2:POST /api/v1/checkout' }), T0)).claimed).to.equal(true);
  });

  it('when the holder completes, then the record keeps the response and a later claim answers it', async () => {
    const key = randomUUID();
    const c = claimOf(key);
    await repo().claim(c, T0);
    expect(await repo().complete(c.scope, key, c.claimToken, RESPONSE)).to.equal(true);
    const again = await repo().claim(claimOf(key), at(120_000));
    expect(again.claimed === false && again.record).to.deep.include({ state: 'completed', response: RESPONSE });
  });

  it('when someone without the claim token completes or releases, then nothing changes', async () => {
    const key = randomUUID();
    const c = claimOf(key);
    await repo().claim(c, T0);
    expect(await repo().complete(c.scope, key, 'not-the-token', RESPONSE)).to.equal(false);
    expect(await repo().release(c.scope, key, 'not-the-token')).to.equal(false);
    expect((await repo().find(c.scope, key))?.state).to.equal('in_flight');
  });

  it('when a completed record is released, then it stays (only an in-flight claim can be given back)', async () => {
    const key = randomUUID();
    const c = claimOf(key);
    await repo().claim(c, T0);
    await repo().complete(c.scope, key, c.claimToken, RESPONSE);
    expect(await repo().release(c.scope, key, c.claimToken)).to.equal(false);
    expect((await repo().find(c.scope, key))?.state).to.equal('completed');
  });

  it('when the holder releases, then the key is free and the next claim wins', async () => {
    const key = randomUUID();
    const c = claimOf(key);
    await repo().claim(c, T0);
    expect(await repo().release(c.scope, key, c.claimToken)).to.equal(true);
    expect(await repo().find(c.scope, key)).to.equal(null);
    expect((await repo().claim(claimOf(key, { fingerprint: 'fp-b' }), T0)).claimed).to.equal(true);
  });

  it('when an in-flight lock has expired, then the same request takes it over, and the old holder can no longer complete', async () => {
    const key = randomUUID();
    const dead = claimOf(key);
    await repo().claim(dead, T0);
    const retry = claimOf(key, { lockedUntil: at(180_000) });
    expect(await repo().claim(retry, at(90_000))).to.deep.equal({ claimed: true });
    expect(await repo().complete(dead.scope, key, dead.claimToken, RESPONSE)).to.equal(false);
    expect(await repo().complete(retry.scope, key, retry.claimToken, RESPONSE)).to.equal(true);
  });

  it('when an in-flight lock has expired but the request differs, then it is not taken over', async () => {
    const key = randomUUID();
    await repo().claim(claimOf(key), T0);
    const other = await repo().claim(claimOf(key, { fingerprint: 'fp-b' }), at(90_000));
    expect(other.claimed).to.equal(false);
  });

  it('when records are older than the cutoff, then purgeBefore deletes them and keeps the others', async () => {
    const [old, recent] = [randomUUID(), randomUUID()];
    await repo().claim(claimOf(old, { createdAt: new Date('2001-01-01T00:00:00.000Z') }), T0);
    await repo().claim(claimOf(recent), T0);
    expect(await repo().purgeBefore(new Date('2001-06-01T00:00:00.000Z'))).to.be.at.least(1);
    expect(await repo().find('acct-1:POST /api/v1/checkout', old)).to.equal(null);
    expect(await repo().find('acct-1:POST /api/v1/checkout', recent)).to.not.equal(null);
  });

  it('when a key or scope is not a string (an operator object from a body), then it is refused, never matched as a filter', async () => {
    const bad = { $ne: null } as unknown as string;
    let refused = 0;
    for (const call of [() => repo().find(bad, 'k'), () => repo().find('s', bad), () => repo().release('s', bad, 't')]) {
      try {
        const r = await call();
        expect(r === null || r === false).to.equal(true);
      } catch (err) {
        expect((err as { code?: string }).code).to.equal('VALIDATION_ERROR');
        refused++;
      }
    }
    expect(refused === 0 || refused === 3).to.equal(true);
  });

  ctx.itIsolation('when 30 claims of one key race, then exactly one wins', async () => {
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 30 }, () => repo().claim(claimOf(key), T0)));
    expect(results.filter((r) => r.claimed)).to.have.length(1);
  });
});
