import { expect } from 'chai';
import fc from 'fast-check';
import { AppError } from '../../domain/shared/errors.js';
import { isTimeZone, nextOpening, openingHours, openingState, openNow, WEEKDAYS, type OpeningPeriod } from '../../domain/catalog/opening-hours.js';

const Z = (iso: string) => new Date(iso);
const reasonOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal('VALIDATION_ERROR');
    return ((err as AppError).details as Array<{ reason: string }>)[0]!.reason;
  }
  return undefined;
};
const hours = (timeZone: string, weekly: OpeningPeriod[], extra: Partial<Parameters<typeof openingHours>[0]> = {}) => openingHours({ timeZone, weekly, ...extra });

describe('catalog: opening hours', () => {
  describe('validation', () => {
    it('when the time zone is unknown, then VALIDATION_ERROR reason invalid_time_zone; known IANA names pass', () => {
      expect(reasonOf(() => hours('Mars/Olympus_Mons', []))).to.equal('invalid_time_zone');
      expect(reasonOf(() => hours('', []))).to.equal('invalid_time_zone');
      expect(isTimeZone('Asia/Damascus')).to.equal(true);
      expect(isTimeZone('UTC')).to.equal(true);
    });

    it('when two periods overlap (same day, overnight into the next, or across the end of the week), then reason overlapping_hours', () => {
      expect(reasonOf(() => hours('UTC', [{ day: 'mon', opens: '09:00', closes: '17:00' }, { day: 'mon', opens: '16:00', closes: '18:00' }]))).to.equal('overlapping_hours');
      expect(reasonOf(() => hours('UTC', [{ day: 'sun', opens: '22:00', closes: '02:00' }, { day: 'mon', opens: '01:00', closes: '05:00' }]))).to.equal('overlapping_hours');
      expect(reasonOf(() => hours('UTC', [{ day: 'sat', opens: '22:00', closes: '03:00' }, { day: 'sun', opens: '02:59', closes: '05:00' }]))).to.equal('overlapping_hours');
      expect(reasonOf(() => hours('UTC', [{ day: 'tue', opens: '00:00', closes: '24:00' }, { day: 'tue', opens: '08:00', closes: '09:00' }]))).to.equal('overlapping_hours');
    });

    it('when periods only touch (12:00 to 12:00, 24:00 to next 00:00), then they are accepted', () => {
      const h = hours('UTC', [{ day: 'mon', opens: '09:00', closes: '12:00' }, { day: 'mon', opens: '12:00', closes: '24:00' }, { day: 'tue', opens: '00:00', closes: '02:00' }]);
      expect(h.weekly).to.have.length(3);
      expect(openNow(h, Z('2026-01-05T23:59:00Z'))).to.equal(true); // Monday
      expect(openNow(h, Z('2026-01-06T01:00:00Z'))).to.equal(true);
    });

    it('when a time, date or closure is malformed, then the reason names the problem', () => {
      expect(reasonOf(() => hours('UTC', [{ day: 'mon', opens: '25:00', closes: '26:00' }]))).to.equal('invalid_time');
      expect(reasonOf(() => hours('UTC', [{ day: 'mon', opens: '24:00', closes: '02:00' }]))).to.equal('invalid_time');
      expect(reasonOf(() => hours('UTC', [{ day: 'mon', opens: '9:00', closes: '17:00' }]))).to.equal('invalid_time');
      expect(reasonOf(() => hours('UTC', [{ day: 'mon', opens: '09:00', closes: '09:00' }]))).to.equal('empty_period');
      expect(reasonOf(() => hours('UTC', [{ day: 'xyz' as 'mon', opens: '09:00', closes: '10:00' }]))).to.equal('invalid_day');
      expect(reasonOf(() => hours('UTC', [], { closures: [{ date: '2026-02-30' }] }))).to.equal('invalid_date');
      expect(reasonOf(() => hours('UTC', [], { closures: [{ date: '2026-02-03' }, { date: '2026-02-03' }] }))).to.equal('duplicate_date');
      expect(reasonOf(() => hours('UTC', [], { temporaryClosure: { until: 'soon', reason: 'x' } }))).to.equal('invalid_instant');
      expect(reasonOf(() => hours('UTC', [], { temporaryClosure: { until: '2026-01-01T00:00:00Z', reason: '  ' } }))).to.equal('invalid_reason');
    });
  });

  describe('open now and next opening (Asia/Damascus, UTC+3 all year)', () => {
    const weekdays = hours('Asia/Damascus', [{ day: 'mon', opens: '09:00', closes: '17:00' }, { day: 'fri', opens: '22:00', closes: '02:00' }]);

    it('when inside a period, then open; at its closing minute, then closed and the next opening is a week later', () => {
      expect(openNow(weekdays, Z('2026-01-05T05:59:59Z'))).to.equal(false); // Monday 08:59:59 local
      expect(nextOpening(weekdays, Z('2026-01-05T05:59:59Z'))?.toISOString()).to.equal('2026-01-05T06:00:00.000Z');
      expect(openNow(weekdays, Z('2026-01-05T06:00:00Z'))).to.equal(true);
      expect(openingState(weekdays, Z('2026-01-05T10:00:00Z'))).to.deep.equal({ openNow: true, nextOpeningAt: null });
      expect(openNow(weekdays, Z('2026-01-05T14:00:00Z'))).to.equal(false); // 17:00 local
      expect(nextOpening(weekdays, Z('2026-01-05T14:00:00Z'))?.toISOString()).to.equal('2026-01-09T19:00:00.000Z'); // Friday 22:00
    });

    it('when an overnight period (22:00 to 02:00) is running, then it is open after midnight and closed at 02:00 of the next day', () => {
      expect(openNow(weekdays, Z('2026-01-09T18:59:00Z'))).to.equal(false);
      expect(openNow(weekdays, Z('2026-01-09T19:00:00Z'))).to.equal(true);
      expect(openNow(weekdays, Z('2026-01-09T22:30:00Z'))).to.equal(true); // Saturday 01:30 local
      expect(openNow(weekdays, Z('2026-01-09T23:00:00Z'))).to.equal(false); // Saturday 02:00 local
    });

    it('when a date is closed, then periods opening that day do not open and the next opening skips it', () => {
      const h = hours('Asia/Damascus', weekdays.weekly, { closures: [{ date: '2026-01-05', reason: 'Eid' }] });
      expect(openNow(h, Z('2026-01-05T10:00:00Z'))).to.equal(false);
      expect(nextOpening(h, Z('2026-01-05T05:00:00Z'))?.toISOString()).to.equal('2026-01-09T19:00:00.000Z');
      // An overnight period opened the day before a closed date runs to its end.
      const sat = hours('Asia/Damascus', weekdays.weekly, { closures: [{ date: '2026-01-10', reason: null }] });
      expect(openNow(sat, Z('2026-01-09T22:30:00Z'))).to.equal(true);
    });

    it('when temporarily closed, then closed until the given instant, and open from it when it falls inside a period', () => {
      const h = hours('Asia/Damascus', weekdays.weekly, { temporaryClosure: { until: '2026-01-05T08:00:00Z', reason: 'Renovation' } });
      expect(openNow(h, Z('2026-01-05T07:59:00Z'))).to.equal(false);
      expect(nextOpening(h, Z('2026-01-05T07:00:00Z'))?.toISOString()).to.equal('2026-01-05T08:00:00.000Z');
      expect(openNow(h, Z('2026-01-05T08:00:00Z'))).to.equal(true);
      const long = hours('Asia/Damascus', weekdays.weekly, { temporaryClosure: { until: '2026-01-06T00:00:00Z', reason: 'Renovation' } });
      expect(nextOpening(long, Z('2026-01-05T07:00:00Z'))?.toISOString()).to.equal('2026-01-09T19:00:00.000Z');
    });

    it('when there are no periods (or no hours at all), then never open and no next opening', () => {
      expect(openingState(hours('UTC', []), Z('2026-01-05T10:00:00Z'))).to.deep.equal({ openNow: false, nextOpeningAt: null });
      expect(openingState(null, Z('2026-01-05T10:00:00Z'))).to.deep.equal({ openNow: false, nextOpeningAt: null });
    });
  });

  describe('daylight saving time', () => {
    it('when an opening time is skipped (Berlin, 29 March 2026, 02:00 → 03:00), then the store opens when the clocks jump', () => {
      const h = hours('Europe/Berlin', [{ day: 'sun', opens: '02:30', closes: '05:00' }]);
      expect(openNow(h, Z('2026-03-29T00:59:00Z'))).to.equal(false); // 01:59 CET
      expect(nextOpening(h, Z('2026-03-29T00:00:00Z'))?.toISOString()).to.equal('2026-03-29T01:00:00.000Z'); // 03:00 CEST
      expect(openNow(h, Z('2026-03-29T01:00:00Z'))).to.equal(true);
      expect(openNow(h, Z('2026-03-29T02:59:00Z'))).to.equal(true); // 04:59 CEST
      expect(openNow(h, Z('2026-03-29T03:00:00Z'))).to.equal(false); // 05:00 CEST
    });

    it('when the clocks go back (Berlin, 25 October 2026) during an overnight period, then it closes at the first 02:30 and does not reopen in the repeated hour', () => {
      const h = hours('Europe/Berlin', [{ day: 'sat', opens: '22:00', closes: '02:30' }]);
      expect(openNow(h, Z('2026-10-24T20:00:00Z'))).to.equal(true); // 22:00 CEST
      expect(openNow(h, Z('2026-10-25T00:29:00Z'))).to.equal(true); // 02:29 CEST
      expect(openNow(h, Z('2026-10-25T00:30:00Z'))).to.equal(false); // 02:30 CEST
      expect(openNow(h, Z('2026-10-25T01:15:00Z'))).to.equal(false); // 02:15 CET, the second time
      expect(nextOpening(h, Z('2026-10-25T01:15:00Z'))?.toISOString()).to.equal('2026-10-31T21:00:00.000Z'); // 22:00 CET
    });

    it('when New York springs forward (8 March 2026) inside 20:00–03:00, then the night lasts six real hours', () => {
      const h = hours('America/New_York', [{ day: 'sat', opens: '20:00', closes: '03:00' }]);
      expect(openNow(h, Z('2026-03-08T00:59:00Z'))).to.equal(false);
      expect(openNow(h, Z('2026-03-08T01:00:00Z'))).to.equal(true); // 20:00 EST
      expect(openNow(h, Z('2026-03-08T06:59:00Z'))).to.equal(true); // 01:59 EST
      expect(openNow(h, Z('2026-03-08T07:00:00Z'))).to.equal(false); // 03:00 EDT
    });

    it('when Lord Howe Island shifts by 30 minutes (5 April 2026, 02:00 → 01:30), then a 01:45 closing is its first occurrence', () => {
      const h = hours('Australia/Lord_Howe', [{ day: 'sun', opens: '00:00', closes: '01:45' }]);
      // 01:45 +11:00 is 14:45 UTC the day before; 01:45 +10:30 would be 15:15.
      expect(openNow(h, Z('2026-04-04T14:44:00Z'))).to.equal(true);
      expect(openNow(h, Z('2026-04-04T14:45:00Z'))).to.equal(false);
      expect(openNow(h, Z('2026-04-04T15:10:00Z'))).to.equal(false);
    });
  });

  describe('properties', () => {
    const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    /** One period on some days: never overlapping, some overnight. */
    const weekly = fc
      .tuple(fc.subarray([...WEEKDAYS], { minLength: 1 }), time, fc.integer({ min: 1, max: 16 }).map((q) => q * 45))
      .map(([days, opens, length]) => {
        const start = Number(opens.slice(0, 2)) * 60 + Number(opens.slice(3));
        const end = (start + length) % 1440;
        const closes = `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`;
        return days.map((day): OpeningPeriod => ({ day, opens, closes }));
      });
    const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }).map((ms) => new Date(Math.floor(ms / 60_000) * 60_000));
    const zone = fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Damascus', 'Australia/Lord_Howe', 'UTC', 'America/Santiago');

    it('when closed, then every minute until the next opening is closed and the next opening is open', () => {
      fc.assert(
        fc.property(zone, weekly, instant, (tz, periods, at) => {
          const h = hours(tz, periods);
          if (openNow(h, at)) return;
          const next = nextOpening(h, at);
          expect(next, 'a store with periods opens again within a week').to.not.equal(null);
          expect(next!.getTime()).to.be.greaterThan(at.getTime());
          expect(next!.getTime() - at.getTime()).to.be.at.most(8 * 86_400_000);
          expect(openNow(h, next!)).to.equal(true);
          for (let t = at.getTime(); t < next!.getTime(); t += Math.max(60_000, Math.floor((next!.getTime() - at.getTime()) / 40 / 60_000) * 60_000)) {
            expect(openNow(h, new Date(t)), new Date(t).toISOString()).to.equal(false);
          }
          expect(openNow(h, new Date(next!.getTime() - 60_000))).to.equal(false);
        }),
        { numRuns: 150 },
      );
    });

    it('when the zone has a fixed offset, then open now matches a plain minute-of-week check', () => {
      fc.assert(
        fc.property(fc.constantFrom(['UTC', 0], ['Asia/Damascus', 180]) as fc.Arbitrary<[string, number]>, weekly, instant, ([tz, offset], periods, at) => {
          const local = at.getTime() / 60_000 + offset;
          const minuteOfWeek = (((Math.floor(local) + 4 * 1440) % 10_080) + 10_080) % 10_080; // 1970-01-01 was a Thursday
          const open = periods.some((p) => {
            const start = WEEKDAYS.indexOf(p.day) * 1440 + Number(p.opens.slice(0, 2)) * 60 + Number(p.opens.slice(3));
            let length = Number(p.closes.slice(0, 2)) * 60 + Number(p.closes.slice(3)) - (start % 1440);
            if (length <= 0) length += 1440;
            return ((minuteOfWeek - start + 10_080) % 10_080) < length;
          });
          expect(openNow(hours(tz, periods), at)).to.equal(open);
        }),
        { numRuns: 300 },
      );
    });
  });
});
