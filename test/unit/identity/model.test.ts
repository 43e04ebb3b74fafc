import { expect } from 'chai';
import fc from 'fast-check';
import { Account, ADMIN_ROLES, normalizePhone, passwordProblems, permissionsOf } from '../../../domain/identity/model.js';
import { ADMIN_PERMISSIONS, canAccess, type Principal } from '../../../domain/shared/principal.js';
import { isAppError } from '../../../domain/shared/errors.js';

const T = new Date('2026-05-01T00:00:00Z');
const make = (role: 'customer' | 'courier' | 'store_owner' = 'courier') => Account.create({ id: 'a-1', role, phone: '+14155550100', passwordHash: 'h', at: T });
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (err) {
    return isAppError(err) ? err.code : 'other';
  }
};

describe('identity model', () => {
  it('when phones are written with spaces, dashes or brackets, then they normalise to E.164; anything else is null', () => {
    expect(normalizePhone('+1 (415) 555-0100')).to.equal('+14155550100');
    expect(normalizePhone('+963.11.555.0100')).to.equal('+963115550100');
    for (const bad of ['4155550100', '+0415555010', '+1415', '+1415555010012345', 'tel:+14155550100']) expect(normalizePhone(bad), bad).to.equal(null);
  });

  it('when any string is checked, then the policy accepts it exactly when all five rules hold', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (pw) => {
        const ok = pw.length >= 8 && pw.length <= 128 && /[A-Z]/.test(pw) && /[a-z]/.test(pw) && /\d/.test(pw) && /[^A-Za-z0-9]/.test(pw);
        expect(passwordProblems(pw).length === 0).to.equal(ok);
      }),
    );
  });

  it('when admin roles are read, then super_admin holds every permission and the others a strict subset', () => {
    expect([...ADMIN_ROLES.super_admin].sort()).to.deep.equal([...ADMIN_PERMISSIONS].sort());
    for (const [name, perms] of Object.entries(ADMIN_ROLES)) {
      if (name !== 'super_admin') expect(perms.length, name).to.be.lessThan(ADMIN_PERMISSIONS.length);
      for (const p of perms) expect(ADMIN_PERMISSIONS).to.include(p);
    }
    expect(permissionsOf(null)).to.deep.equal([]);
  });

  it('when an account is created, then it waits for phone verification, and an admin needs an admin role', () => {
    const a = make();
    expect(a.toView()).to.include({ status: 'pending_verification', phoneVerified: false, profileComplete: false });
    expect(a.toView().verification.status).to.equal('not_submitted');
    expect(make('customer').toView().verification.status).to.equal('not_required');
    expect(codeOf(() => Account.create({ id: 'x', role: 'admin', phone: '+14155550100', passwordHash: 'h', at: T }))).to.equal('VALIDATION_ERROR');
    expect(JSON.stringify(a.toView())).to.not.include('passwordHash');
  });

  it('when a profile patch holds another role\'s field, then it is refused and nothing changes', () => {
    const a = make('customer');
    expect(codeOf(() => a.updateProfile({ name: 'x', vehicleType: 'car' }, T))).to.equal('VALIDATION_ERROR');
    expect(a.toView().profile).to.deep.equal({ name: null, addresses: [] });
  });

  it('when verification is decided, then only a pending one can be, and a rejection needs a reason', () => {
    const a = make();
    expect(codeOf(() => a.decideVerification('approve', null, 'adm', T))).to.equal('CONFLICT');
    a.submitDocuments(T);
    expect(codeOf(() => a.decideVerification('reject', null, 'adm', T))).to.equal('VALIDATION_ERROR');
    a.decideVerification('reject', 'blurry', 'adm', T);
    expect(a.toView().verification).to.deep.equal({ status: 'rejected', reason: 'blurry', decidedAt: T.toISOString() });
    a.submitDocuments(T);
    a.decideVerification('approve', null, 'adm', T);
    expect(a.verificationStatus).to.equal('approved');
    expect(codeOf(() => make('customer').submitDocuments(T))).to.equal('FORBIDDEN');
  });

  it('when suspended and unsuspended, then the status returns to what it was', () => {
    const a = make();
    a.verifyPhone(T);
    a.suspend('fraud', 'adm', T);
    expect(codeOf(() => a.suspend('again', 'adm', T))).to.equal('CONFLICT');
    a.unsuspend(T);
    expect(a.status).to.equal('active');
    expect(codeOf(() => a.unsuspend(T))).to.equal('CONFLICT');
  });

  it('when ownership is checked, then the owner passes, an admin only with the permission, anyone else not', () => {
    const p = (role: Principal['role'], accountId: string, permissions: string[] = []): Principal => ({ accountId, role, permissions, sessionId: 's', tokenId: 't', expiresAt: 0 });
    expect(canAccess(p('customer', 'a'), 'a')).to.equal(true);
    expect(canAccess(p('customer', 'b', ['accounts:read']), 'a', 'accounts:read')).to.equal(false); // only admins hold permissions
    expect(canAccess(p('admin', 'b', ['accounts:read']), 'a', 'accounts:read')).to.equal(true);
    expect(canAccess(p('admin', 'b', ['audit:read']), 'a', 'accounts:read')).to.equal(false);
    expect(canAccess(p('admin', 'b', ['accounts:read']), 'a')).to.equal(false);
  });
});
