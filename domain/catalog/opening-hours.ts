import { validationError } from '../shared/errors.js';
import { charCount } from '../shared/text.js';

/**
 * A store's opening hours: weekly periods read on the store's own wall clock
 * (an IANA time zone), days closed by date, and a temporary closure.
 *
 * A period belongs to the day it opens on. `closes` at or before `opens`
 * means it runs past midnight (22:00–02:00 ends at 02:00 the next day);
 * `closes` 24:00 ends at midnight. Wall-clock times become instants through
 * the zone's rules: an opening inside a skipped DST hour happens when the
 * clocks jump, and a time that occurs twice (clocks going back) means its
 * first occurrence, so a store never closes and then reopens within one night.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface OpeningPeriod {
  day: Weekday;
  /** HH:MM, 00:00–23:59. */
  opens: string;
  /** HH:MM, 00:00–24:00; at or before `opens`: the next day. */
  closes: string;
}

export interface DateClosure {
  /** A local date (YYYY-MM-DD) in the store's zone: periods opening that day do not open. */
  date: string;
  reason: string | null;
}

export interface TemporaryClosure {
  /** ISO-8601 instant; the store reopens on its weekly hours from then. */
  until: string;
  reason: string;
}

export interface OpeningHours {
  timeZone: string;
  weekly: OpeningPeriod[];
  closures: DateClosure[];
  temporaryClosure: TemporaryClosure | null;
}

export const MAX_PERIODS = 28;
export const MAX_DATE_CLOSURES = 60;
const MINUTE = 60_000;
const DAY_MINUTES = 1440;
const WEEK_MINUTES = 7 * DAY_MINUTES;
/** Far enough to pass every dated closure (at most 60) and a week of periods. */
const SEARCH_DAYS = MAX_DATE_CLOSURES + 14;

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a zone name the runtime's time-zone database knows (e.g. Asia/Damascus, UTC). */
export function isTimeZone(name: string): boolean {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock at `instant` in `timeZone`, as if it were a UTC time (ms). */
function wallOf(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}
const offsetAt = (instant: number, timeZone: string): number => wallOf(instant, timeZone) - Math.floor(instant / 1000) * 1000;

/**
 * The first instant whose wall clock in `timeZone` reads `wall` (or, when the
 * clocks skip it, the instant they jump past it).
 */
export function instantOf(wall: number, timeZone: string): number {
  const offsets = new Set([offsetAt(wall - 86_400_000, timeZone), offsetAt(wall, timeZone), offsetAt(wall + 86_400_000, timeZone)]);
  const exact = [...offsets].map((o) => wall - o).filter((t) => wallOf(t, timeZone) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // A gap: the wall time never occurs. Find the transition between the two offsets by bisection.
  const sorted = [...offsets].sort((a, b) => a - b);
  let lo = wall - sorted[sorted.length - 1]!; // wall reads earlier than `wall` here
  let hi = wall - sorted[0]!; // and later here
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (wallOf(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

const minutesOf = (hhmm: string): number => (hhmm === '24:00' ? DAY_MINUTES : Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)));
/** Length of a period in minutes: past midnight when it closes at or before it opens. */
const lengthOf = (p: OpeningPeriod): number => {
  const d = minutesOf(p.closes) - minutesOf(p.opens);
  return d > 0 ? d : d + DAY_MINUTES;
};

function fail(field: string, reason: string, message: string): never {
  throw validationError(message, [{ field, reason, message }]);
}

function validDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/**
 * Checks and normalises opening hours: a known time zone, well-formed times,
 * no two periods overlapping anywhere in the week (overnight ones included),
 * valid dates. VALIDATION_ERROR names the field and a `reason`.
 */
export function openingHours(input: { timeZone: string; weekly?: OpeningPeriod[]; closures?: Array<{ date: string; reason?: string | null }>; temporaryClosure?: TemporaryClosure | null }): OpeningHours {
  if (!isTimeZone(input.timeZone)) fail('hours.timeZone', 'invalid_time_zone', 'must be an IANA time zone such as Asia/Damascus');
  const weekly = input.weekly ?? [];
  if (weekly.length > MAX_PERIODS) fail('hours.weekly', 'too_many_periods', `at most ${MAX_PERIODS} periods`);
  const spans: Array<{ start: number; end: number; index: number }> = [];
  weekly.forEach((p, i) => {
    if (!WEEKDAYS.includes(p.day)) fail(`hours.weekly.${i}.day`, 'invalid_day', `must be one of ${WEEKDAYS.join(', ')}`);
    if (!HHMM.test(p.opens)) fail(`hours.weekly.${i}.opens`, 'invalid_time', 'must be HH:MM between 00:00 and 23:59');
    if (!HHMM.test(p.closes) && p.closes !== '24:00') fail(`hours.weekly.${i}.closes`, 'invalid_time', 'must be HH:MM between 00:00 and 24:00');
    if (p.opens === p.closes) fail(`hours.weekly.${i}.closes`, 'empty_period', 'must differ from opens (for a whole day use 00:00 to 24:00)');
    const start = WEEKDAYS.indexOf(p.day) * DAY_MINUTES + minutesOf(p.opens);
    spans.push({ start, end: start + lengthOf(p), index: i });
  });
  // On a circular week: sort by start, then each span must end before the next starts (the last one against the first, a week later).
  spans.sort((a, b) => a.start - b.start);
  spans.forEach((s, k) => {
    const next = spans[(k + 1) % spans.length]!;
    const nextStart = k + 1 < spans.length ? next.start : next.start + WEEK_MINUTES;
    if (spans.length > 1 && s.end > nextStart) {
      fail(`hours.weekly.${Math.max(s.index, next.index)}`, 'overlapping_hours', `overlaps period ${Math.min(s.index, next.index)}`);
    }
  });
  const closures = (input.closures ?? []).map((c, i) => {
    if (!validDate(c.date)) fail(`hours.closures.${i}.date`, 'invalid_date', 'must be a date YYYY-MM-DD');
    const reason = c.reason?.trim() ? c.reason.trim() : null;
    if (reason && charCount(reason) > 200) fail(`hours.closures.${i}.reason`, 'too_long', 'at most 200 characters');
    return { date: c.date, reason };
  });
  if (closures.length > MAX_DATE_CLOSURES) fail('hours.closures', 'too_many_closures', `at most ${MAX_DATE_CLOSURES} dates`);
  if (new Set(closures.map((c) => c.date)).size !== closures.length) fail('hours.closures', 'duplicate_date', 'each date at most once');
  closures.sort((a, b) => a.date.localeCompare(b.date));
  return { timeZone: input.timeZone, weekly: weekly.map((p) => ({ day: p.day, opens: p.opens, closes: p.closes })), closures, temporaryClosure: temporaryClosureOf(input.temporaryClosure ?? null) };
}

export function temporaryClosureOf(input: TemporaryClosure | null): TemporaryClosure | null {
  if (input === null) return null;
  const until = Date.parse(input.until);
  if (Number.isNaN(until)) fail('hours.temporaryClosure.until', 'invalid_instant', 'must be an ISO-8601 date-time');
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (!reason || charCount(reason) > 200) fail('hours.temporaryClosure.reason', 'invalid_reason', 'must be 1 to 200 characters');
  return { until: new Date(until).toISOString(), reason };
}

/** The local date of `wall` (a wall clock as UTC ms), as UTC-midnight ms. */
const dayOf = (wall: number): number => wall - (((wall % 86_400_000) + 86_400_000) % 86_400_000);
const localDay = (at: number, timeZone: string): number => dayOf(wallOf(at, timeZone));
const dateString = (day: number) => new Date(day).toISOString().slice(0, 10);

/** The instants [start, end) of the periods opening on local date `day` (UTC-midnight ms). */
function periodsOn(hours: OpeningHours, day: number, closed: Set<string>): Array<[number, number]> {
  if (closed.has(dateString(day))) return [];
  const weekday = WEEKDAYS[new Date(day).getUTCDay()];
  return hours.weekly
    .filter((p) => p.day === weekday)
    .map((p): [number, number] => {
      const opensWall = day + minutesOf(p.opens) * MINUTE;
      return [instantOf(opensWall, hours.timeZone), instantOf(opensWall + lengthOf(p) * MINUTE, hours.timeZone)];
    });
}

const closedUntil = (hours: OpeningHours, at: number): number | null => {
  const until = hours.temporaryClosure ? Date.parse(hours.temporaryClosure.until) : NaN;
  return until > at ? until : null;
};

/**
 * No zone shifts its clocks by more than this: a wall time this far inside (or
 * outside) a period's wall-clock range is inside (or outside) its instants
 * without converting them, which spares most Intl calls when a list filters by open now.
 */
const MAX_SHIFT_MS = 3 * 3_600_000;

function openOnWeekly(hours: OpeningHours, at: number): boolean {
  const closed = new Set(hours.closures.map((c) => c.date));
  const wall = wallOf(at, hours.timeZone);
  const today = dayOf(wall);
  for (const day of [today - 86_400_000, today]) {
    if (closed.has(dateString(day))) continue;
    const weekday = WEEKDAYS[new Date(day).getUTCDay()];
    for (const p of hours.weekly) {
      if (p.day !== weekday) continue;
      const opensWall = day + minutesOf(p.opens) * MINUTE;
      const closesWall = opensWall + lengthOf(p) * MINUTE;
      if (wall < opensWall - MAX_SHIFT_MS || wall >= closesWall + MAX_SHIFT_MS) continue;
      if (wall >= opensWall + MAX_SHIFT_MS && wall < closesWall - MAX_SHIFT_MS) return true;
      if (instantOf(opensWall, hours.timeZone) <= at && at < instantOf(closesWall, hours.timeZone)) return true;
    }
  }
  return false;
}

/** Whether the store is open at `at`: inside a weekly period, not on a closed date, not temporarily closed. */
export function openNow(hours: OpeningHours, at: Date): boolean {
  const t = at.getTime();
  return closedUntil(hours, t) === null && openOnWeekly(hours, t);
}

/**
 * When the store next opens after `at`, or null when it is open at `at` or
 * never opens again within the search horizon (no periods, or every one closed).
 */
export function nextOpening(hours: OpeningHours, at: Date): Date | null {
  const t = at.getTime();
  if (openNow(hours, at)) return null;
  const from = closedUntil(hours, t) ?? t;
  if (from > t && openOnWeekly(hours, from)) return new Date(from);
  const closed = new Set(hours.closures.map((c) => c.date));
  const first = localDay(from, hours.timeZone);
  for (let k = 0; k <= SEARCH_DAYS; k++) {
    const starts = periodsOn(hours, first + k * 86_400_000, closed).map(([s]) => s).filter((s) => s > from).sort((a, b) => a - b);
    if (starts.length > 0) return new Date(starts[0]!);
  }
  return null;
}

/** The usual answer for a reader: open now and, when closed, the next opening. */
export function openingState(hours: OpeningHours | null, at: Date): { openNow: boolean; nextOpeningAt: string | null } {
  if (!hours) return { openNow: false, nextOpeningAt: null };
  const open = openNow(hours, at);
  const next = open ? null : nextOpening(hours, at);
  return { openNow: open, nextOpeningAt: next ? next.toISOString() : null };
}
