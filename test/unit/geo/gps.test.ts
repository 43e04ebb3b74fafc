import { expect } from 'chai';
import { GeoError, gpsFlags, validateFix } from '../../../geo/index.js';

const NOW = 1_700_000_000_000;
const base = { courierId: 'c1', lat: 33.5, lng: 36.3, ts: NOW };
const reasonOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(GeoError);
    return (e as GeoError).reason;
  }
  return undefined;
};

describe('geo GPS quality', () => {
  it('when coordinates are NaN, infinite or out of range, then INVALID_COORDINATE', () => {
    for (const bad of [{ lat: Number.NaN }, { lng: Infinity }, { lat: 90.0001 }, { lng: -180.5 }, { lat: '1' as unknown as number }]) {
      expect(reasonOf(() => validateFix({ ...base, ...bad }, NOW))).to.equal('INVALID_COORDINATE');
    }
  });

  it('when the timestamp is missing, negative or far in the future, then INVALID_TIMESTAMP', () => {
    expect(reasonOf(() => validateFix({ ...base, ts: Number.NaN }, NOW))).to.equal('INVALID_TIMESTAMP');
    expect(reasonOf(() => validateFix({ ...base, ts: -1 }, NOW))).to.equal('INVALID_TIMESTAMP');
    expect(reasonOf(() => validateFix({ ...base, ts: NOW + 61_000 }, NOW))).to.equal('INVALID_TIMESTAMP');
    expect(validateFix({ ...base, ts: NOW - 30_000.7 }, NOW).ts).to.equal(NOW - 30_001);
  });

  it('when the timestamp is ahead of the server within the allowance, then the fix is ordered at the server time and keeps the device time', () => {
    expect(validateFix({ ...base, ts: NOW + 30_000.7 }, NOW)).to.include({ ts: NOW, deviceTs: NOW + 30_000 });
    expect(validateFix({ ...base, ts: NOW }, NOW)).to.not.have.property('deviceTs');
  });

  it('when the courier id could break a hash tag, then INVALID_INPUT', () => {
    expect(reasonOf(() => validateFix({ ...base, courierId: 'a{b}' }, NOW))).to.equal('INVALID_INPUT');
    expect(reasonOf(() => validateFix({ ...base, courierId: '' }, NOW))).to.equal('INVALID_INPUT');
  });

  it('when a bike jumps 3 km in 10 s, then it is flagged teleport; a car moving 300 m in 20 s is not', () => {
    const prev = { lat: 33.5, lng: 36.3, ts: NOW - 10_000 };
    expect(gpsFlags({ ...base, lat: 33.527 }, prev, 'bike')).to.deep.equal(['teleport']);
    expect(gpsFlags({ ...base, lat: 33.5027 }, { ...prev, ts: NOW - 20_000 }, 'car')).to.deep.equal([]);
  });

  it('when accuracy is poor or the device reports a mock location, then those flags are set', () => {
    expect(gpsFlags({ ...base, accuracy: 150, mock: true }, null, null)).to.deep.equal(['poor_accuracy', 'mock_location']);
    expect(gpsFlags({ ...base, accuracy: 20 }, null, null)).to.deep.equal([]);
  });
});
