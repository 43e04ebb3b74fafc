import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend, MONGO_BACKENDS } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { isAppError } from '../../domain/shared/errors.js';

/** How the Mongo adapters talk to the server: the writes SQL does in one statement stay one write here. */
forEachBackend('Mongo adapters: atomic writes and guarded filters', (ctx) => {
  const T0 = new Date('2026-03-01T10:00:00.000Z');

  it('when all sessions of an account are revoked, then one multi-document update does it and the ids come back', async () => {
    const watched = await ctx.watchCommands();
    try {
      const repos = createRepositories(watched.store);
      const acc = `acc-${randomUUID()}`;
      const ids = [1, 2, 3].map((i) => `${acc}-${i}`);
      for (const id of ids) await repos.sessions.createSession({ id, accountId: acc, createdAt: T0, expiresAt: T0, revokedAt: null, revokedReason: null, ip: null, userAgent: null });
      watched.commands.length = 0;
      expect(await repos.sessions.revokeAllForAccount(acc, T0, 'password_reset')).to.deep.equal(ids);
      const writes = watched.commands.filter((c) => ['update', 'findAndModify', 'delete', 'insert'].includes(c.name));
      expect(writes).to.have.length(1);
      expect((writes[0]!.command.updates as { multi?: boolean }[])[0]?.multi).to.equal(true);
      for (const id of ids) expect((await repos.sessions.findSession(id))?.revokedReason).to.equal('password_reset');
    } finally {
      await watched.close();
    }
  });

  it('when an object is given where a string belongs, then the adapter refuses it before any command reaches the server', async () => {
    const watched = await ctx.watchCommands();
    try {
      const repos = createRepositories(watched.store);
      const evil = { $ne: null } as unknown as string;
      watched.commands.length = 0;
      for (const call of [
        () => repos.accounts.findByPhone(evil),
        () => repos.sessions.revokeAllForAccount(evil, T0, 'x'),
        () => repos.otps.consume(evil, T0),
        () => repos.documents.listByAccount(evil),
        () => repos.deliveries.findByOrderId(evil),
        () => repos.stores.findById(evil),
        () => repos.auditLog.findById(evil),
      ]) {
        const err = await call().then(() => undefined, (e: unknown) => e);
        expect(isAppError(err) && err.code, String(call)).to.equal('VALIDATION_ERROR');
      }
      expect(watched.commands.map((c) => c.name)).to.deep.equal([]);
    } finally {
      await watched.close();
    }
  });
}, MONGO_BACKENDS);
