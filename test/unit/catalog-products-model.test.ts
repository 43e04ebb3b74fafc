import { expect } from 'chai';
import { Category } from '../../domain/catalog/category.js';
import { Product, MAX_PRICE_MINOR } from '../../domain/catalog/product.js';
import { manualChange, reservationLines } from '../../domain/catalog/inventory.js';
import { isAppError } from '../../domain/shared/errors.js';

const at = new Date(Date.UTC(2026, 0, 1));
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'none';
  } catch (e) {
    return isAppError(e) ? e.code : String(e);
  }
};
let n = 0;
const newId = () => `id-${++n}`;
const cat = (slug: string, parent: Category | null) => Category.create({ id: slug, slug, parent, name: { ar: slug, en: slug }, at });

describe('catalog models: categories, products and stock rules', () => {
  it('when a node moves under itself or a descendant, then CATEGORY_CYCLE and it stays where it was', () => {
    const root = cat('root', null);
    const mid = cat('mid', root);
    const leaf = cat('leaf', mid);
    expect(leaf.ancestorIds).to.deep.equal(['root', 'mid']);
    expect(codeOf(() => root.moveUnder(leaf, at))).to.equal('CATEGORY_CYCLE');
    expect(codeOf(() => mid.moveUnder(mid, at))).to.equal('CATEGORY_CYCLE');
    expect(root.parentId).to.equal(null);
    expect(leaf.moveUnder(root, at)).to.equal(true);
    expect(leaf.ancestorIds).to.deep.equal(['root']);
    expect(codeOf(() => cat('Not A Slug', null))).to.equal('VALIDATION_ERROR');
  });

  it('when prices are negative, fractional, absurd or below compare-at, then VALIDATION_ERROR; a duplicate SKU in one product is CONFLICT', () => {
    const make = (variants: object[]) => () => Product.create({ id: newId(), storeId: 's', name: { ar: 'أ', en: 'A' }, variants: variants as never, at, newId });
    expect(codeOf(make([{ sku: 'a', price: -1 }]))).to.equal('VALIDATION_ERROR');
    expect(codeOf(make([{ sku: 'a', price: 1.5 }]))).to.equal('VALIDATION_ERROR');
    expect(codeOf(make([{ sku: 'a', price: MAX_PRICE_MINOR + 1 }]))).to.equal('VALIDATION_ERROR');
    expect(codeOf(make([{ sku: 'a', price: 10, compareAtPrice: 9 }]))).to.equal('VALIDATION_ERROR');
    expect(codeOf(make([{ sku: 'a', price: 1 }, { sku: 'a', price: 2 }]))).to.equal('CONFLICT');
    expect(codeOf(make([]))).to.equal('VALIDATION_ERROR');
    const p = make([{ sku: 'a', price: 300 }, { sku: 'b', price: 100 }])() as Product;
    expect(p.toView()).to.deep.include({ priceMin: 100, priceMax: 300, status: 'draft', version: 1 });
    expect(codeOf(() => p.update({ variants: [{ id: 'foreign', sku: 'c', price: 1 }] }, at, newId))).to.equal('VALIDATION_ERROR');
    expect(p.update({ status: 'draft' }, at, newId), 'no change').to.equal(false);
  });

  it('when manual movements and reservation lines are read, then bad quantities are refused and lines merge in a stable order', () => {
    expect(manualChange('adjustment', -3)).to.deep.equal({ onHand: -3, reserved: 0, guardAvailable: true });
    expect(manualChange('receipt', 4)).to.deep.equal({ onHand: 4, reserved: 0, guardAvailable: false });
    for (const [kind, q] of [['receipt', -1], ['adjustment', 0], ['adjustment', 0.5], ['return', 2_000_000]] as const) expect(codeOf(() => manualChange(kind, q)), `${kind} ${q}`).to.equal('VALIDATION_ERROR');
    expect(reservationLines([{ variantId: 'b', quantity: 1 }, { variantId: 'a', quantity: 2 }, { variantId: 'b', quantity: 3 }])).to.deep.equal([{ variantId: 'a', quantity: 2 }, { variantId: 'b', quantity: 4 }]);
    expect(codeOf(() => reservationLines([{ variantId: 'a', quantity: 0 }]))).to.equal('VALIDATION_ERROR');
  });
});
