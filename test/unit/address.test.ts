import { expect } from 'chai';
import { Address } from '../../domain/catalog/address.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
const input = { id: 'a1', customerId: 'c1', label: ' البيت ', line: '12 Baghdad St', point: { lat: 33.5183, lng: 36.2946 }, pointSource: 'client' as const, at: at(0) };

describe('catalog: Address model', () => {
  it('when created, then text is trimmed, blanks read as null, it is not yet the default and version is 1', () => {
    const a = Address.create({ ...input, notes: '   ', floor: ' 3 ' }).toProps();
    expect(a).to.deep.include({ label: 'البيت', notes: null, floor: '3', building: null, isDefault: false, deletedAt: null, version: 1 });
  });

  it('when a field breaks a rule, then VALIDATION_ERROR names it', () => {
    const bad: [Partial<typeof input> & Record<string, unknown>, string][] = [
      [{ label: '  ' }, 'label'],
      [{ label: 'x'.repeat(41) }, 'label'],
      [{ line: '' }, 'line'],
      [{ building: 'b'.repeat(101) }, 'building'],
      [{ notes: 'n'.repeat(501) }, 'notes'],
      [{ point: { lat: Number.NaN, lng: 0 } }, 'point'],
      [{ point: { lat: 0, lng: 180.5 } }, 'point'],
    ];
    for (const [over, field] of bad) {
      try {
        Address.create({ ...input, ...over } as never);
        expect.fail(`should refuse ${field}`);
      } catch (err) {
        expect((err as { code: string }).code, field).to.equal('VALIDATION_ERROR');
        expect((err as { details: { field: string } }).details.field).to.equal(field);
      }
    }
  });

  it('when updated, then the version moves; a patch that changes nothing is a no-op; a removal clears the default once', () => {
    const a = Address.restore({ ...Address.create(input).toProps(), isDefault: true });
    expect(a.update({ label: 'البيت' }, { at: { lat: 33.5183, lng: 36.2946 }, source: 'client' }, at(1))).to.equal(false);
    expect(a.update({ notes: 'ring twice' }, null, at(2))).to.equal(true);
    expect(a.toProps()).to.deep.include({ notes: 'ring twice', version: 2, updatedAt: at(2).toISOString() });
    expect(a.remove(at(3))).to.equal(true);
    expect(a.toProps()).to.deep.include({ isDefault: false, deletedAt: at(3).toISOString(), version: 3 });
    expect(a.remove(at(4))).to.equal(false);
    expect(a.version).to.equal(3);
    expect(a.toView(null)).to.not.have.property('deletedAt');
  });
});
