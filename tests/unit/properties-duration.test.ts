// Properties of durations: what parses, what it parses to, what formatting gives back.
// Seeded (tests/helpers.ts propertyRuns): a failure prints fast-check's seed; FC_SEED=<seed> replays it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '../helpers.ts';
import { durationHint, formatDuration, parseDuration } from '../../lib/rules/duration.ts';

const RUNS = propertyRuns(2000);

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;
const unit = fc.constantFrom(...(Object.keys(UNIT_MS) as Unit[]));

// The grammar, written independently of the parser: plain seconds, or one or more number+unit parts.
const GRAMMAR = /^(?:\d+|(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+)$/;

// Texts near the grammar: digits, dots, unit letters, signs, spaces and a few other characters.
const nearDuration = fc
  .array(fc.constantFrom('0', '1', '5', '9', '.', 'm', 's', 'h', 'd', 'w', 'ms', ' ', '-', '+', 'e', 'x', 'M', '\t', ','), { maxLength: 12 })
  .map((parts) => parts.join(''));
const anyText = fc.oneof(nearDuration, fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ maxLength: 30 }));

// The value of a text the grammar accepts, computed apart from the parser.
function oracle(text: string): number {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  let sum = 0;
  for (const [, n, u] of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) sum += Number(n) * UNIT_MS[u as Unit];
  return Math.round(sum);
}

test('parseDuration never throws, and accepts exactly the grammar (after trimming) while it counts in exact ms', () => {
  fc.assert(
    fc.property(anyText, (text) => {
      const ms = parseDuration(text);
      if (!GRAMMAR.test(text.trim())) assert.equal(ms, undefined, JSON.stringify(text));
      else assert.equal(ms, Number.isSafeInteger(oracle(text)) ? oracle(text) : undefined, JSON.stringify(text));
    }),
    RUNS,
  );
});

test('a parsed duration is a whole, non-negative, safe number of milliseconds', () => {
  fc.assert(
    fc.property(fc.oneof(anyText, fc.stringMatching(/^\d{1,400}(?:ms|s|m|h|d|w)?$/)), (text) => {
      const ms = parseDuration(text);
      if (ms !== undefined) assert.ok(Number.isSafeInteger(ms) && ms >= 0, `${JSON.stringify(text)} → ${ms}`);
      else assert.match(durationHint(text), /^".*" is (?:not a duration|too long)/s);
    }),
    RUNS,
  );
});

test('compound durations parse to the sum of their parts', () => {
  const part = fc.tuple(fc.integer({ min: 0, max: 10_000 }), unit);
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), fc.constantFrom('', ' ', '\n'), (parts, pad) => {
      const text = pad + parts.map(([n, u]) => `${n}${u}`).join('') + pad;
      const expected = parts.reduce((sum, [n, u]) => sum + n * UNIT_MS[u], 0);
      assert.equal(parseDuration(text), expected, text);
    }),
    RUNS,
  );
});

test('plain numbers are seconds, and decimals of a unit round to the millisecond', () => {
  fc.assert(
    // 10,000,000 weeks is still exact in ms; the next property covers what is not.
    fc.property(fc.integer({ min: 0, max: 1e7 }), fc.integer({ min: 0, max: 999 }), unit, (n, frac, u) => {
      assert.equal(parseDuration(String(n)), n * 1000);
      const text = `${n}.${String(frac).padStart(3, '0')}${u}`;
      assert.equal(parseDuration(text), Math.round(Number(`${n}.${String(frac).padStart(3, '0')}`) * UNIT_MS[u]), text);
    }),
    RUNS,
  );
});

test('monotonic: a bigger number of the same unit is a longer duration', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e7 }), fc.integer({ min: 1, max: 1e6 }), fc.option(unit, { nil: undefined }), (a, delta, u) => {
      const suffix = u ?? '';
      assert.ok(parseDuration(`${a}${suffix}`)! < parseDuration(`${a + delta}${suffix}`)!, `${a}${suffix} < ${a + delta}${suffix}`);
    }),
    RUNS,
  );
});

test('a duration past exact milliseconds (2^53) is refused, saying it is too long', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 2n ** 53n, max: 10n ** 40n }), unit, (total, u) => {
      const n = total / BigInt(UNIT_MS[u]) + 1n;
      const text = `${n}${u}`;
      assert.equal(parseDuration(text), undefined, text);
      assert.match(durationHint(text), /is too long for a duration/);
    }),
    RUNS,
  );
});

test('formatDuration parses back: exactly below a second, and within its two shown units above', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e13 }), (ms) => {
      const text = formatDuration(ms);
      const back = parseDuration(text);
      assert.notEqual(back, undefined, `${ms} → ${text} parses`);
      if (ms < 1000) {
        assert.equal(back, ms, text);
        return;
      }
      // Whole seconds, two most significant units: the rest is dropped, never more than 1/24 of it.
      const seconds = Math.round(ms / 1000) * 1000;
      assert.ok(back! <= seconds && seconds - back! < seconds / 24, `${ms} → ${text} → ${back}`);
      assert.match(text, /^(?:\d+[dhms]){1,2}$/);
    }),
    RUNS,
  );
});
