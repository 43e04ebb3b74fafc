import { expect } from 'chai';
import { Cart, hashCartToken, MAX_CART_LINES, MAX_LINE_QUANTITY, newCartToken, type LineInput } from '../../domain/ordering/cart.js';
import { isAppError } from '../../domain/shared/errors.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
const customer = () => Cart.create({ id: 'c1', owner: { customerId: 'cust-1' }, at: at(0) });
const guest = () => Cart.create({ id: 'g1', owner: { tokenHash: hashCartToken(newCartToken()) }, at: at(0) });
const line = (variantId: string, quantity: number, priceMinor = 100): LineInput => ({ variantId, productId: `p-${variantId}`, storeId: 's1', quantity, priceMinor });
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return isAppError(err) ? `${err.code}:${(err.details as { reason?: string }[] | undefined)?.[0]?.reason ?? ''}` : 'not an AppError';
  }
  return undefined;
};

describe('Cart (the entity and the merge rule)', () => {
  it('when a cart is created, then it belongs to a customer or to a well-formed token hash, never to neither', () => {
    expect(customer().toProps()).to.deep.include({ status: 'active', customerId: 'cust-1', tokenHash: null, version: 1, lines: [] });
    expect(guest().isGuest).to.equal(true);
    expect(codeOf(() => Cart.create({ id: 'x', owner: { tokenHash: 'not-a-hash' }, at: at(0) }))).to.match(/^VALIDATION_ERROR/);
    expect(codeOf(() => Cart.create({ id: 'x', owner: { customerId: '' }, at: at(0) }))).to.match(/^VALIDATION_ERROR/);
  });

  it('when the same variant is added twice, then one line holds the sum at the latest price; past the line cap or the line count it is refused unchanged', () => {
    const c = customer();
    c.addLine(line('v1', 2, 100), at(1));
    c.addLine(line('v1', 3, 120), at(2));
    expect(c.lines).to.have.length(1);
    expect(c.line('v1')).to.deep.include({ quantity: 5, priceAtAddMinor: 120, addedAt: at(1).toISOString(), updatedAt: at(2).toISOString() });
    expect(c.version).to.equal(3);
    expect(codeOf(() => c.addLine(line('v1', MAX_LINE_QUANTITY - 4), at(3)))).to.equal('VALIDATION_ERROR:quantity_out_of_range');
    for (const q of [0, -1, 1.5, Number.NaN]) expect(codeOf(() => c.addLine(line('v2', q), at(3))), String(q)).to.equal('VALIDATION_ERROR:quantity_out_of_range');
    for (let i = 1; i < MAX_CART_LINES; i++) c.addLine(line(`w${i}`, 1), at(4));
    expect(codeOf(() => c.addLine(line('one-too-many', 1), at(5)))).to.equal('VALIDATION_ERROR:cart_full');
    expect(c.lines).to.have.length(MAX_CART_LINES);
  });

  it('when a guest cart is absorbed, then the same variant adds up to the cap, the more recently changed line\'s price wins, and unavailable lines are dropped and reported', () => {
    const c = customer();
    c.addLine(line('both-old-mine', 3, 100), at(1));
    c.addLine(line('both-new-mine', 1, 300), at(9));
    const g = guest();
    g.addLine(line('both-old-mine', 2, 110), at(5));
    g.addLine(line('both-new-mine', 1, 250), at(5));
    g.addLine(line('gone', 2), at(5));
    g.addLine(line('short', 5), at(5));
    g.setDestination({ addressId: null, point: { lat: 33.5, lng: 36.3 } }, at(6));
    const caps: Record<string, number> = { 'both-old-mine': 4, 'both-new-mine': 50, gone: 0, short: 2 };
    const notes = c.absorb(g, (v) => caps[v]!, at(10));
    expect(notes).to.deep.equal([{ variantId: 'both-old-mine', reason: 'capped' }, { variantId: 'gone', reason: 'unavailable' }, { variantId: 'short', reason: 'capped' }]);
    expect(c.line('both-old-mine')).to.deep.include({ quantity: 4, priceAtAddMinor: 110 });
    expect(c.line('both-new-mine')).to.deep.include({ quantity: 2, priceAtAddMinor: 300 });
    expect(c.line('gone')).to.equal(undefined);
    expect(c.line('short')?.quantity).to.equal(2);
    expect(c.destination).to.deep.equal({ addressId: null, point: { lat: 33.5, lng: 36.3 } });
    expect(g.toProps()).to.deep.include({ status: 'merged', mergedInto: 'c1' });
    expect(codeOf(() => g.addLine(line('late', 1), at(11)))).to.equal('CONFLICT:cart_closed');
    expect(codeOf(() => c.absorb(g, () => 9, at(12))), 'absorbing a closed guest cart').to.equal('CONFLICT:cart_closed');
  });

  it('when the stock fell below the customer\'s own quantity, then the merge does not lower it (the view flags the shortage)', () => {
    const c = customer();
    c.addLine(line('v', 6), at(1));
    const g = guest();
    g.addLine(line('v', 2), at(2));
    expect(c.absorb(g, () => 3, at(3))).to.deep.equal([{ variantId: 'v', reason: 'capped' }]);
    expect(c.line('v')?.quantity).to.equal(6);
  });

  it('when a cart is converted twice by the same checkout, then the second is a no-op; another checkout is refused; expiry needs idleness', () => {
    const c = customer();
    c.addLine(line('v', 1), at(1));
    expect(c.expire(at(1), at(2)), 'active since at(1): not idle before at(1)').to.equal(false);
    expect(c.convert('chk-1', at(2))).to.equal(true);
    const v = c.version;
    expect(c.convert('chk-1', at(3))).to.equal(false);
    expect(c.version).to.equal(v);
    expect(codeOf(() => c.convert('chk-2', at(3)))).to.equal('CONFLICT:cart_closed');
    expect(c.expire(at(100), at(100)), 'a converted cart never expires').to.equal(false);
    const idle = customer();
    expect(idle.expire(at(5), at(6))).to.equal(true);
    expect(idle.status).to.equal('expired');
  });
});
