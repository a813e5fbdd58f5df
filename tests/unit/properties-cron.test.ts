// Properties of the cron evaluator against an oracle built apart from it: each generated field
// carries the set of values it allows, and local times come straight from Intl.
// For random expressions, zones (with DST, half-hour and 30-minute shifts) and instants: the next
// fire is after `from`, fires ascend strictly, each matches the expression by Debian's day rule
// (or is the documented shift out of a DST gap), and away from transitions none is skipped.
// Seeded (tests/helpers.ts propertyRuns): a failure prints fast-check's seed; FC_SEED=<seed> replays it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '../helpers.ts';
import { CronSyntaxError, nextFires, parseCron } from '../../lib/rules/schedule/cron.ts';
import { compileSchedule } from '../../lib/rules/schedule/compile.ts';
import { local } from '../cron-reference.ts';

const RUNS = propertyRuns(300);
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Sao_Paulo', 'Pacific/Chatham'];
const MINUTE = 60_000;

interface FieldGen {
  text: string;
  values: Set<number>;
}

const range = (lo: number, hi: number, step = 1) => {
  const out: number[] = [];
  for (let v = lo; v <= hi; v += step) out.push(v);
  return out;
};

// One comma item of a field with its values: *, */k, a, a-b, a-b/k.
function item(min: number, max: number, names?: readonly string[], nameBase = 0): fc.Arbitrary<FieldGen> {
  const num = fc.integer({ min, max });
  const show = (v: number) =>
    fc
      .constant(String(v))
      .chain((s) => (names && v - nameBase >= 0 && v - nameBase < names.length ? fc.constantFrom(s, names[v - nameBase]!) : fc.constant(s)));
  return fc.oneof(
    fc.constant({ text: '*', values: new Set(range(min, max)) }),
    fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min + 1) / 2)) }).map((k) => ({ text: `*/${k}`, values: new Set(range(min, max, k)) })),
    num.chain((v) => show(v).map((s) => ({ text: s, values: new Set([v]) }))),
    fc.tuple(num, num, fc.option(fc.integer({ min: 1, max: Math.max(1, max - min) }), { nil: undefined })).chain(([a, b, k]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return fc.tuple(show(lo), show(hi)).map(([l, h]) => ({ text: `${l}-${h}${k ? `/${k}` : ''}`, values: new Set(range(lo, hi, k ?? 1)) }));
    }),
  );
}

function field(min: number, max: number, names?: readonly string[], nameBase = 0): fc.Arbitrary<FieldGen & { star: boolean }> {
  return fc.array(item(min, max, names, nameBase), { minLength: 1, maxLength: 3 }).map((items) => ({
    text: items.map((i) => i.text).join(','),
    values: new Set(items.flatMap((i) => [...i.values])),
    star: items[0]!.text.startsWith('*'),
  }));
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const expression = fc
  .record(
    {
      minute: field(0, 59),
      hour: field(0, 23),
      dom: field(1, 31),
      month: field(1, 12, MONTHS, 1),
      dow: field(0, 7, DAYS, 0),
    },
    { noNullPrototype: true },
  )
  .map((f) => ({ ...f, text: [f.minute, f.hour, f.dom, f.month, f.dow].map((x) => x.text).join(' ') }));
type Expr = typeof expression extends fc.Arbitrary<infer T> ? T : never;

const MACROS: Array<[string, string]> = [
  ['@hourly', '0 * * * *'],
  ['@daily', '0 0 * * *'],
  ['@midnight', '0 0 * * *'],
  ['@weekly', '0 0 * * 0'],
  ['@monthly', '0 0 1 * *'],
  ['@yearly', '0 0 1 1 *'],
];

// The zone's offset at an instant, from Intl alone (minutes precision is enough for these zones).
function offset(tz: string, ms: number): number {
  const l = local(tz, ms);
  const y = new Date(ms).getUTCFullYear();
  let wall = Date.UTC(y, l.month - 1, l.day, l.hour, l.minute);
  // Around New Year the local date may be in the neighbouring year.
  if (wall - ms > 2 * 86_400_000) wall = Date.UTC(y - 1, l.month - 1, l.day, l.hour, l.minute);
  if (ms - wall > 2 * 86_400_000) wall = Date.UTC(y + 1, l.month - 1, l.day, l.hour, l.minute);
  return wall - Math.floor(ms / MINUTE) * MINUTE;
}

// Debian: day-of-month and day-of-week are ORed unless either field starts with `*`.
function matchesWall(e: Expr, w: { month: number; day: number; hour: number; minute: number; dow: number }): boolean {
  if (!e.minute.values.has(w.minute) || !e.hour.values.has(w.hour) || !e.month.values.has(w.month)) return false;
  const dom = e.dom.values.has(w.day);
  const dow = e.dow.values.has(w.dow) || (w.dow === 0 && e.dow.values.has(7));
  return e.dom.star || e.dow.star ? dom && dow : dom || dow;
}

// A fixed-time job whose wall time falls in a gap runs at the gap's end: `t` must be a transition
// instant, and some minute of the skipped wall interval must match.
function isGapShift(e: Expr, tz: string, t: number): boolean {
  if (e.minute.star || e.hour.star) return false;
  const before = offset(tz, t - MINUTE);
  const after = offset(tz, t);
  if (after <= before) return false;
  for (let wall = t + before; wall < t + after; wall += MINUTE) {
    const d = new Date(wall);
    const w = { month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), dow: d.getUTCDay() };
    if (matchesWall(e, w)) return true;
  }
  return false;
}

const zone = fc.constantFrom(...ZONES);
// Instants 2000-2040, with extra weight near DST transitions (last weekend of March/October, early November, April).
const instant = fc.oneof(
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
  fc
    .tuple(fc.integer({ min: 2000, max: 2039 }), fc.constantFrom(2, 3, 9, 10), fc.integer({ min: 0, max: 31 * 24 * 60 }))
    .map(([y, m, minutes]) => Date.UTC(y, m, 1) + minutes * MINUTE + 17_000),
);

// The instants (to the minute) where a zone's offset changes in a year, found with Intl alone.
const transitionCache = new Map<string, number[]>();
function transitions(tz: string, year: number): number[] {
  const key = `${tz} ${year}`;
  let found = transitionCache.get(key);
  if (!found) {
    found = [];
    const DAY = 86_400_000;
    for (let day = Date.UTC(year, 0, 1); day < Date.UTC(year + 1, 0, 1); day += DAY) {
      if (offset(tz, day) === offset(tz, day + DAY)) continue;
      let lo = day;
      let hi = day + DAY;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (offset(tz, mid) === offset(tz, lo)) lo = mid;
        else hi = mid;
      }
      found.push(hi);
    }
    transitionCache.set(key, found);
  }
  return found;
}

// A zone and an instant: anywhere, or within days of one of the zone's DST transitions.
const zoneAndInstant = fc.oneof(
  fc.tuple(zone, instant),
  fc
    .tuple(
      fc.constantFrom(...ZONES.filter((z) => z !== 'UTC' && z !== 'Asia/Kolkata')),
      fc.integer({ min: 2000, max: 2039 }),
      fc.nat(),
      fc.oneof(fc.integer({ min: -3 * 1440, max: 1440 }), fc.integer({ min: -120, max: 90 })),
    )
    .map(([tz, year, i, minutes]) => {
      const list = transitions(tz, year);
      return [tz, list.length ? list[i % list.length]! + minutes * MINUTE + 17_000 : Date.UTC(year, 5, 1)] as [string, number];
    }),
);

// The same local minute at another instant up to an hour away (`dir` -1 earlier, +1 later): the other pass of an overlap.
function otherPass(tz: string, t: number, dir: -1 | 1): number | undefined {
  const w = local(tz, t);
  for (const minutes of [30, 60]) {
    const u = local(tz, t + dir * minutes * MINUTE);
    if (u.month === w.month && u.day === w.day && u.hour === w.hour && u.minute === w.minute) return t + dir * minutes * MINUTE;
  }
  return undefined;
}

function compiled(e: Expr) {
  try {
    return parseCron(e.text);
  } catch (err) {
    // Only a day-of-month that never falls in the chosen months is refused (AND mode).
    assert.ok(err instanceof CronSyntaxError, String(err));
    assert.match(err.message, /never falls in month/);
    return undefined;
  }
}

test('the next fires are after `from`, strictly ascending, and each matches the expression or is a DST gap shift', () => {
  fc.assert(
    fc.property(expression, zoneAndInstant, (e, [tz, from]) => {
      const expr = compiled(e);
      if (!expr) return;
      const fires = nextFires(expr, tz, from, 4);
      assert.ok(fires.length > 0, `${e.text} fires at all`);
      assert.ok(fires[0]! > from, 'strictly after from');
      for (let i = 1; i < fires.length; i++) assert.ok(fires[i]! > fires[i - 1]!, 'strictly ascending');
      for (const t of fires) {
        assert.equal(t % MINUTE, 0, 'on a whole minute');
        const ok = matchesWall(e, local(tz, t)) || isGapShift(e, tz, t);
        assert.ok(ok, `${e.text} in ${tz} fired at ${new Date(t).toISOString()} (local ${JSON.stringify(local(tz, t))})`);
        // In an overlap a fixed-time job runs once, at the first pass; a wildcard one at both.
        const wildcard = e.minute.star || e.hour.star;
        const first = otherPass(tz, t, -1);
        if (first !== undefined) {
          if (wildcard) assert.ok(first <= from || fires.includes(first), `${e.text} in ${tz}: both passes of ${new Date(t).toISOString()}`);
          else assert.fail(`${e.text} in ${tz} fired at the second pass ${new Date(t).toISOString()}`);
        }
        const second = otherPass(tz, t, 1);
        if (wildcard && second !== undefined && second < fires.at(-1)!) {
          assert.ok(fires.includes(second), `${e.text} in ${tz}: ${new Date(t).toISOString()} fired, its second pass did not`);
        }
      }
    }),
    propertyRuns(600),
  );
});

test('away from offset changes, no matching minute between `from` and the next fire is skipped', () => {
  fc.assert(
    fc.property(expression, zone, instant, (e, tz, from) => {
      const expr = compiled(e);
      if (!expr) return;
      const [first] = nextFires(expr, tz, from, 1);
      const end = Math.min(first!, from + 36 * 3_600_000);
      // Only windows with one offset throughout: DST rules make skipping and repeating deliberate.
      const off = offset(tz, from);
      for (let t = from; t <= end + 3_600_000; t += 3_600_000) if (offset(tz, t) !== off) return;
      for (let t = Math.floor(from / MINUTE) * MINUTE + MINUTE; t < end; t += MINUTE) {
        assert.ok(
          !matchesWall(e, local(tz, t)),
          `${e.text} in ${tz}: ${new Date(t).toISOString()} matches but the next fire is ${new Date(first!).toISOString()}`,
        );
      }
    }),
    propertyRuns(150),
  );
});

test('a fixed-time daily job near DST transitions fires once every local day, at its time or at the end of a gap', () => {
  const daily = fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 3 }));
  fc.assert(
    fc.property(daily, zoneAndInstant, ([minute, hour], [tz, from]) => {
      const e = {
        minute: { text: String(minute), values: new Set([minute]), star: false },
        hour: { text: String(hour), values: new Set([hour]), star: false },
        dom: { text: '*', values: new Set(range(1, 31)), star: true },
        month: { text: '*', values: new Set(range(1, 12)), star: true },
        dow: { text: '*', values: new Set(range(0, 7)), star: true },
        text: `${minute} ${hour} * * *`,
      };
      const fires = nextFires(parseCron(e.text), tz, from, 5);
      assert.equal(fires.length, 5);
      const days = fires.map((t) => {
        const l = local(tz, t);
        assert.ok(matchesWall(e, l) || isGapShift(e, tz, t), `${e.text} in ${tz} at ${new Date(t).toISOString()}`);
        return Date.UTC(l.year, l.month - 1, l.day);
      });
      for (let i = 1; i < days.length; i++) {
        assert.equal(days[i]! - days[i - 1]!, 86_400_000, `${e.text} in ${tz}: ${fires.map((t) => new Date(t).toISOString()).join(' ')}`);
      }
    }),
    RUNS,
  );
});

test('successive calls agree: the fire after each fire is the next one in the list', () => {
  fc.assert(
    fc.property(expression, zoneAndInstant, (e, [tz, from]) => {
      const expr = compiled(e);
      if (!expr) return;
      const fires = nextFires(expr, tz, from, 4);
      for (let i = 0; i + 1 < fires.length; i++) assert.equal(nextFires(expr, tz, fires[i]!, 1)[0], fires[i + 1]);
    }),
    RUNS,
  );
});

test('macros fire exactly as their five fields; the schedule layer gives the same times', () => {
  fc.assert(
    fc.property(fc.constantFrom(...MACROS), zone, instant, ([macro, fields], tz, from) => {
      const a = nextFires(parseCron(macro), tz, from, 3);
      assert.deepEqual(a, nextFires(parseCron(fields), tz, from, 3));
      assert.deepEqual(compileSchedule({ cron: macro, tz }, 'UTC').next(from, 3), a);
      const timing = compileSchedule({ cron: fields, tz }, 'UTC').timing(from);
      // The due time after a run counts from the run's minute: the first fire after that minute's start.
      assert.equal(timing.dueMs, nextFires(parseCron(fields), tz, Math.floor(from / MINUTE) * MINUTE, 1)[0]);
      assert.ok(timing.periodMs > 0);
    }),
    RUNS,
  );
});
