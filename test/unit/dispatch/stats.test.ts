import { expect } from 'chai';
import { dispatchStats, type DeliveryRecord } from '../../../domain/dispatch/stats.js';

const T = 1_800_000_000_000;
const s = 1_000;
const delivery = (over: Partial<DeliveryRecord>): DeliveryRecord => ({
  openedAt: T,
  assignedAt: null,
  arrivedAtStoreAt: null,
  pickedUpAt: null,
  deliveredAt: null,
  promisedBy: null,
  reassignments: 0,
  ...over,
});

describe('dispatch stats', () => {
  it('when deliveries, offers and courier time are recorded, then the seven ops figures follow from them', () => {
    const stats = dispatchStats({
      deliveries: [
        delivery({ assignedAt: T + 10 * s, arrivedAtStoreAt: T + 300 * s, pickedUpAt: T + 360 * s, deliveredAt: T + 1_200 * s, promisedBy: T + 1_800 * s }),
        delivery({ assignedAt: T + 30 * s, arrivedAtStoreAt: T + 400 * s, pickedUpAt: T + 520 * s, deliveredAt: T + 2_000 * s, promisedBy: T + 1_800 * s, reassignments: 2 }),
        delivery({ assignedAt: T + 20 * s }),
        delivery({}),
      ],
      offers: [
        { sentAt: T, outcome: 'accepted', answeredAt: T + 4 * s },
        { sentAt: T, outcome: 'accepted', answeredAt: T + 8 * s },
        { sentAt: T, outcome: 'declined', answeredAt: T + 1 * s },
        { sentAt: T, outcome: 'expired', answeredAt: null },
        { sentAt: T, outcome: 'open', answeredAt: null },
      ],
      couriers: [
        { onlineMs: 3_600 * s, onJobMs: 1_800 * s },
        { onlineMs: 1_800 * s, onJobMs: 2_000 * s },
      ],
    });
    expect(stats.timeToAssign).to.deep.equal({ count: 3, meanS: 20, p90S: 30 });
    expect(stats.offerToAccept).to.deep.equal({ count: 2, meanS: 6, p90S: 8 });
    expect(stats.acceptanceRate).to.equal(0.5);
    expect(stats.reassignmentsPerOrder).to.equal(0.5);
    // A courier's job time is capped at their online time: (1,800 + 1,800) / 5,400.
    expect(stats.courierUtilisation).to.equal(0.667);
    expect(stats.waitAtStore).to.deep.equal({ count: 2, meanS: 90, p90S: 120 });
    expect(stats.onTimePct).to.equal(50);
  });

  it('when nothing has happened yet, then every figure is empty rather than zero or NaN', () => {
    expect(dispatchStats({ deliveries: [], offers: [], couriers: [] })).to.deep.equal({
      timeToAssign: { count: 0, meanS: null, p90S: null },
      offerToAccept: { count: 0, meanS: null, p90S: null },
      acceptanceRate: null,
      reassignmentsPerOrder: null,
      courierUtilisation: null,
      waitAtStore: { count: 0, meanS: null, p90S: null },
      onTimePct: null,
    });
  });
});
