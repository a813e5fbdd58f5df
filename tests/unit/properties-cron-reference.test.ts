// The cron evaluator against a brute-force reference (tests/cron-reference.ts), over generated
// expressions weighted to where engines go wrong — month ends, leap days, `*/n` and stepped
// ranges in the day fields, both day fields restricted — from instants spread over 1990-2101,
// in UTC and in zones with DST. Deterministic: a fixed seed (tests/helpers.ts propertyRuns);
// `npm run test:explore` tries new seeds. Every counterexample ever found is kept in
// tests/fixtures/cron-corpus.json and checked on every run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CronSyntaxError, nextFires, parseCron } from '../../lib/rules/schedule/cron.ts';
import { refNext, refParse } from '../cron-reference.ts';
import { fixture, propertyRuns } from '../helpers.ts';

const MINUTE = 60_000;
const DST_ZONES = ['Europe/Berlin', 'America/New_York', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago'];
const iso = (ms: number) => new Date(ms).toISOString();

// One comma item over min..max: *, */k, a, a-b, a-b/k.
const item = (min: number, max: number) => {
  const num = fc.integer({ min, max });
  return fc.oneof(
    fc.constant('*'),
    fc.integer({ min: 2, max: Math.max(2, Math.floor((max - min + 1) / 2)) }).map((k) => `*/${k}`),
    num.map(String),
    fc
      .tuple(num, num, fc.option(fc.integer({ min: 2, max: Math.max(2, max - min) }), { nil: undefined }))
      .map(([a, b, k]) => `${Math.min(a, b)}-${Math.max(a, b)}${k ? `/${k}` : ''}`),
  );
};
const list = (min: number, max: number, length = 2) => fc.array(item(min, max), { minLength: 1, maxLength: length }).map((items) => items.join(','));

// Day-of-month: the shapes that lose days at month ends, or anything.
const dom = fc.oneof(
  fc.constantFrom('1', '31', '30', '29', '28', '1,31', '1,30', '1,15', '1-7', '*/5', '*/2', '*/10', '15-31/2', '28-31', '2-30/7', '29,30,31', '31,1', '*/15'),
  list(1, 31),
);
const month = fc.oneof({ weight: 2, arbitrary: fc.constant('*') }, fc.constantFrom('2', '2,3', '1-3', '*/2', '2-12/3', 'feb', 'jan-mar'), list(1, 12));
const dow = fc.oneof(
  { weight: 2, arbitrary: fc.constant('*') },
  fc.constantFrom('MON', '1', '0', '7', '1-5', 'sat,sun', '*/2', '*/3', '5-7', 'mon-fri'),
  list(0, 7),
);
const minute = fc.oneof(fc.constantFrom('0', '30', '*/15', '*', '59', '0-0'), list(0, 59));
const hour = fc.oneof(fc.constantFrom('0', '2', '3', '23', '*', '*/6', '1-3', '2,14'), list(0, 23));

const expression = fc.tuple(minute, hour, dom, month, dow).map((f) => f.join(' '));

const wholeRange = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) });
// The last days of a month and the first of the next, leap Februaries and 2100's non-leap one.
const monthEnd = fc
  .tuple(fc.integer({ min: 1990, max: 2100 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: -4 * 1440, max: 2 * 1440 }))
  .map(([y, m, minutes]) => Date.UTC(y, m + 1, 1) + minutes * MINUTE + 7_000);
const leapFeb = fc
  .tuple(fc.constantFrom(1992, 1996, 2000, 2024, 2028, 2096, 2100), fc.integer({ min: 20 * 1440, max: 31 * 1440 }))
  .map(([y, minutes]) => Date.UTC(y, 1, 1) + minutes * MINUTE);
// March/April and September-November of a year: most DST changes of the zones used.
const dstSeason = fc
  .tuple(fc.integer({ min: 1990, max: 2089 }), fc.constantFrom(2, 3, 8, 9, 10), fc.integer({ min: 0, max: 31 * 1440 }))
  .map(([y, m, minutes]) => Date.UTC(y, m, 1) + minutes * MINUTE + 31_000);
const instant = fc.oneof(wholeRange, monthEnd, leapFeb, dstSeason);

// Refused expressions are the ones whose day never falls in the months, and then none fires.
function compile(text: string) {
  try {
    return parseCron(text);
  } catch (e) {
    assert.ok(e instanceof CronSyntaxError, String(e));
    assert.match(e.message, /never falls in month/, text);
    assert.deepEqual(refNext(refParse(text), 'UTC', Date.UTC(2000, 0, 1), 1), [], `${text} was refused but fires`);
    return undefined;
  }
}

function agree(text: string, tz: string, from: number, n: number): void {
  const expr = compile(text);
  if (!expr) return;
  const want = refNext(refParse(text), tz, from, n);
  const got = nextFires(expr, tz, from, n);
  assert.deepEqual(got.map(iso), want.map(iso), `"${text}" in ${tz} after ${iso(from)}`);
}

test("UTC: the next three fires are the reference's, for 3,000 generated expressions", () => {
  fc.assert(
    fc.property(expression, instant, (text, from) => agree(text, 'UTC', from, 3)),
    propertyRuns(3000),
  );
});

test("zones with DST: the next three fires are the reference's, for 600 generated expressions", () => {
  fc.assert(
    fc.property(expression, fc.constantFrom(...DST_ZONES), instant, (text, tz, from) => agree(text, tz, from, 3)),
    propertyRuns(600),
  );
});

test('macros and everyday schedules agree with the reference anywhere in a century', () => {
  const everyday = fc.constantFrom(
    '@hourly',
    '@daily',
    '@weekly',
    '@monthly',
    '@yearly',
    '*/15 * * * *',
    '0 9 * * 1-5',
    '30 2 * * *',
    '0 0 1 * *',
    '0 0 28-31 * *',
  );
  fc.assert(
    fc.property(everyday, fc.constantFrom('UTC', ...DST_ZONES), wholeRange, (text, tz, from) => agree(text, tz, from, 4)),
    propertyRuns(300),
  );
});

interface CorpusCase {
  expr: string;
  tz: string;
  from: string;
  /** Debian's first fire, where it is known apart from the reference. */
  first?: string;
  why: string;
}

test('every counterexample in the corpus agrees with the reference (and with Debian where known)', () => {
  const corpus = JSON.parse(readFileSync(fixture('cron-corpus.json'), 'utf8')) as CorpusCase[];
  assert.ok(corpus.length > 0);
  for (const c of corpus) {
    const from = Date.parse(c.from);
    agree(c.expr, c.tz, from, 3);
    if (c.first) assert.equal(iso(nextFires(parseCron(c.expr), c.tz, from, 1)[0]!), iso(Date.parse(c.first)), `${c.expr}: ${c.why}`);
  }
});
