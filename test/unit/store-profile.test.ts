import { expect } from 'chai';
import { isListedStore, LISTED_STORE_STATUS, LISTED_VERIFICATION_STATUS, Store } from '../../domain/catalog/model.js';
import { MAX_STORE_DOCUMENTS } from '../../domain/catalog/store-verification.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
const make = () => Store.create({ id: 's1', ownerId: 'o1', name: 'Souq Bakery', address: '4 Souq Lane', location: { lat: 33.51, lng: 36.31 }, at: at(0) });
const doc = (n: number) => ({ id: `d${n}`, kind: 'business_license' as const, contentType: 'application/pdf', sizeBytes: 10, sha256: 'ab'.repeat(32), storageKey: `k${n}`, uploadedAt: at(n).toISOString() });
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return undefined;
};

describe('catalog: store profile, verification and the listing rule', () => {
  it('when created, then the store is unverified with no logo, hours or rating, and not listed', () => {
    const s = make();
    expect(s.toProps()).to.deep.include({ cuisine: null, logo: null, hours: null, minimumOrder: 0, rating: { average: null, count: 0 }, pickupInstructions: null });
    expect(s.verification.status).to.equal('not_submitted');
    expect(isListedStore(s)).to.equal(false);
  });

  it('when open and approved, then listed; closing it or any other verification status unlists it', () => {
    expect([LISTED_STORE_STATUS, LISTED_VERIFICATION_STATUS]).to.deep.equal(['open', 'approved']);
    const s = make();
    s.addDocument(doc(1), at(1));
    expect(s.verification).to.deep.include({ status: 'pending', submittedAt: at(1).toISOString() });
    expect(isListedStore(s)).to.equal(false);
    expect(s.decideVerification('approve', null, 'admin-1', at(2))).to.equal(true);
    expect(isListedStore(s)).to.equal(true);
    expect(isListedStore(s.toView())).to.equal(true);
    s.update({ status: 'closed' }, at(3));
    expect(isListedStore(s)).to.equal(false);
  });

  it('when the same decision is repeated, then nothing changes; a different one on a decided store is CONFLICT', () => {
    const s = make();
    expect(codeOf(() => s.decideVerification('approve', null, 'a', at(1)))).to.equal('CONFLICT');
    s.addDocument(doc(1), at(1));
    expect(codeOf(() => s.decideVerification('reject', '  ', 'a', at(2)))).to.equal('VALIDATION_ERROR');
    expect(s.decideVerification('reject', 'Licence expired', 'a', at(2))).to.equal(true);
    const v = s.version;
    expect(s.decideVerification('reject', 'Licence expired', 'a', at(3))).to.equal(false);
    expect(s.version).to.equal(v);
    expect(codeOf(() => s.decideVerification('approve', null, 'a', at(3)))).to.equal('CONFLICT');
    // A new document sends a rejected store back to the queue, without the old reason.
    s.addDocument(doc(4), at(4));
    expect(s.verification).to.deep.include({ status: 'pending', reason: null, submittedAt: at(4).toISOString() });
    expect(s.verification.documents).to.have.length(2);
  });

  it('when an approved store adds a document, then it stays approved; past the cap, then UNPROCESSABLE_ENTITY', () => {
    const s = make();
    s.addDocument(doc(0), at(0));
    s.decideVerification('approve', null, 'a', at(1));
    for (let i = 1; i < MAX_STORE_DOCUMENTS; i++) s.addDocument(doc(i), at(2));
    expect(s.verification.status).to.equal('approved');
    expect(codeOf(() => s.addDocument(doc(99), at(3)))).to.equal('UNPROCESSABLE_ENTITY');
  });

  it('when the profile is patched with bad values, then VALIDATION_ERROR and nothing changes', () => {
    const s = make();
    const before = s.toProps();
    for (const patch of [{ minimumOrder: -1 }, { minimumOrder: 1.5 }, { cuisine: 'x'.repeat(61) }, { hours: { timeZone: 'Nowhere/Land' } }, { temporaryClosure: { until: '2026-02-01T00:00:00Z', reason: 'x' } }]) {
      expect(codeOf(() => s.update(patch, at(5))), JSON.stringify(patch)).to.equal('VALIDATION_ERROR');
    }
    expect(s.toProps()).to.deep.equal(before);
  });

  it('when the hours are published and then a temporary closure is set, then the weekly periods stay; lifting it restores them as they were', () => {
    const s = make();
    s.update({ hours: { timeZone: 'Asia/Damascus', weekly: [{ day: 'mon', opens: '09:00', closes: '17:00' }] }, cuisine: ' Bakery ' }, at(1));
    expect(s.toProps().cuisine).to.equal('bakery');
    const published = s.hours;
    s.update({ temporaryClosure: { until: '2026-02-01T00:00:00Z', reason: 'Renovation' } }, at(2));
    expect(s.hours).to.deep.equal({ ...published, temporaryClosure: { until: '2026-02-01T00:00:00.000Z', reason: 'Renovation' } });
    s.update({ temporaryClosure: null }, at(3));
    expect(s.hours).to.deep.equal(published);
    expect(s.update({ temporaryClosure: null }, at(4))).to.equal(false);
  });
});
