import { expect } from 'chai';
import { boxesOf } from '../../infra/area-audience.js';
import { prepareZone } from '../../geo/index.js';

describe('area boxes for bulk sends', () => {
  it('when an area lies inside [-180, 180], then it is read as its own box', () => {
    const zone = prepareZone({ kind: 'radius', center: { lat: 33.51, lng: 36.29 }, radiusM: 1_000 });
    const [box, ...more] = boxesOf(zone.bbox);
    expect(more).to.have.length(0);
    expect(box!.minLng).to.be.below(36.29).and.above(36.27);
    expect(box!.maxLat).to.be.above(33.51).and.below(33.53);
  });

  it('when an area crosses the antimeridian, then it is read as two boxes, one each side, both within [-180, 180]', () => {
    const zone = prepareZone({ kind: 'radius', center: { lat: -17.7, lng: 179.99 }, radiusM: 5_000 });
    const boxes = boxesOf(zone.bbox);
    expect(boxes).to.have.length(2);
    for (const b of boxes) {
      expect(b.minLng).to.be.at.least(-180);
      expect(b.maxLng).to.be.at.most(180);
    }
    expect(boxes.some((b) => b.maxLng === 180 && b.minLng > 179.9)).to.equal(true);
    expect(boxes.some((b) => b.minLng === -180 && b.maxLng < -179.9)).to.equal(true);
  });

  it('when an area holds a pole, then it is read as one box round the whole parallel band', () => {
    const zone = prepareZone({ kind: 'radius', center: { lat: 89.99, lng: 0 }, radiusM: 3_000 });
    expect(boxesOf(zone.bbox)).to.deep.equal([{ minLat: zone.bbox[1], maxLat: 90, minLng: -180, maxLng: 180 }]);
  });
});
