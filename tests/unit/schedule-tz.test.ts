import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatIsoInZone,
  formatIsoUtc,
  gapEnd,
  isValidTimeZone,
  offsetAt,
  parseIsoInZone,
  sameZone,
  toWall,
  wallToInstants,
} from '../../lib/rules/schedule/tz.ts';

const at = (iso: string) => Date.parse(iso);
const wall = (y: number, mo: number, d: number, h: number, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const H = 3_600_000;

test('isValidTimeZone knows IANA names and refuses the rest', () => {
  for (const tz of ['UTC', 'Etc/UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']) {
    assert.equal(isValidTimeZone(tz), true, tz);
  }
  for (const tz of ['Mars/Base', '', ' ', 'Europe/Berlinn', '+25:00']) assert.equal(isValidTimeZone(tz), false, tz);
});

test('offsetAt gives the offset in force at an instant, switching exactly at the transition', () => {
  const rows: Array<[string, string, number]> = [
    ['UTC', '2026-07-01T00:00:00Z', 0],
    ['Europe/Berlin', '2026-01-15T12:00:00Z', 1 * H],
    ['Europe/Berlin', '2026-07-15T12:00:00Z', 2 * H],
    ['Europe/Berlin', '2026-03-29T00:59:59Z', 1 * H],
    ['Europe/Berlin', '2026-03-29T01:00:00Z', 2 * H],
    ['Europe/Berlin', '2026-10-25T00:59:59Z', 2 * H],
    ['Europe/Berlin', '2026-10-25T01:00:00Z', 1 * H],
    ['America/New_York', '2026-01-15T12:00:00Z', -5 * H],
    ['America/New_York', '2026-03-08T06:59:59Z', -5 * H],
    ['America/New_York', '2026-03-08T07:00:00Z', -4 * H],
    ['Asia/Kolkata', '2026-07-01T00:00:00Z', 5.5 * H],
    ['Australia/Lord_Howe', '2026-07-01T00:00:00Z', 10.5 * H],
  ];
  for (const [tz, when, off] of rows) assert.equal(offsetAt(tz, at(when)), off, `${tz} ${when}`);
  // A second call hits the per-hour cache and must agree with the first.
  assert.equal(offsetAt('Europe/Berlin', at('2026-03-29T01:00:00Z')), 2 * H);
  assert.equal(toWall('Europe/Berlin', at('2026-03-29T01:00:00Z')), wall(2026, 3, 29, 3));
});

test('wallToInstants: one instant normally, none in a gap, two in an overlap', () => {
  const rows: Array<[string, number, string[]]> = [
    ['UTC', wall(2026, 3, 29, 2, 30), ['2026-03-29T02:30:00Z']],
    ['Europe/Berlin', wall(2026, 3, 28, 2, 30), ['2026-03-28T01:30:00Z']],
    ['Europe/Berlin', wall(2026, 3, 29, 2, 0), []],
    ['Europe/Berlin', wall(2026, 3, 29, 2, 30), []],
    ['Europe/Berlin', wall(2026, 3, 29, 3, 0), ['2026-03-29T01:00:00Z']],
    ['Europe/Berlin', wall(2026, 10, 25, 2, 30), ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z']],
    ['Europe/Berlin', wall(2026, 10, 25, 3, 0), ['2026-10-25T02:00:00Z']],
    ['America/New_York', wall(2026, 3, 8, 2, 30), []],
    ['America/New_York', wall(2026, 11, 1, 1, 30), ['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z']],
    ['Australia/Lord_Howe', wall(2026, 10, 4, 2, 15), []],
  ];
  for (const [tz, w, want] of rows) assert.deepEqual(wallToInstants(tz, w).map(iso), want, `${tz} ${iso(w)}`);
});

test('gapEnd is the first valid instant after the gap', () => {
  const rows: Array<[string, number, string]> = [
    ['Europe/Berlin', wall(2026, 3, 29, 2, 0), '2026-03-29T01:00:00Z'],
    ['Europe/Berlin', wall(2026, 3, 29, 2, 59), '2026-03-29T01:00:00Z'],
    ['America/New_York', wall(2026, 3, 8, 2, 30), '2026-03-08T07:00:00Z'],
    // Lord Howe moves its clock by half an hour: 02:00 → 02:30.
    ['Australia/Lord_Howe', wall(2026, 10, 4, 2, 15), '2026-10-03T15:30:00Z'],
  ];
  for (const [tz, w, want] of rows) assert.equal(iso(gapEnd(tz, w)), want, `${tz} ${iso(w)}`);
});

test('formatIsoInZone writes the wall time with the zone offset, no milliseconds', () => {
  const rows: Array<[string, string, string]> = [
    ['2026-03-29T01:00:00.250Z', 'Europe/Berlin', '2026-03-29T03:00:00+02:00'],
    ['2026-03-29T00:30:00Z', 'Europe/Berlin', '2026-03-29T01:30:00+01:00'],
    ['2026-03-08T07:00:00Z', 'America/New_York', '2026-03-08T03:00:00-04:00'],
    ['2026-01-01T00:00:00Z', 'Asia/Kathmandu', '2026-01-01T05:45:00+05:45'],
    ['2026-01-01T00:00:00Z', 'UTC', '2026-01-01T00:00:00+00:00'],
    // Local mean time (+00:53:28) has no ISO form: the instant is shown in UTC instead.
    ['1890-01-01T00:00:00Z', 'Europe/Berlin', '1890-01-01T00:00:00+00:00'],
  ];
  for (const [when, tz, want] of rows) assert.equal(formatIsoInZone(at(when), tz), want, `${when} ${tz}`);
  assert.equal(formatIsoUtc(at('2026-03-29T01:00:00.999Z')), '2026-03-29T01:00:00Z');
});

test('parseIsoInZone reads offsets, and wall times in the zone', () => {
  const rows: Array<[string, string, string | undefined]> = [
    ['2026-03-29T01:30:00Z', 'Europe/Berlin', '2026-03-29T01:30:00Z'],
    ['2026-03-29t01:30z', 'UTC', '2026-03-29T01:30:00Z'],
    ['2026-03-29T03:30:00+02:00', 'UTC', '2026-03-29T01:30:00Z'],
    ['2026-03-29T03:30:00+0200', 'UTC', '2026-03-29T01:30:00Z'],
    ['2026-03-08T03:00-04', 'UTC', '2026-03-08T07:00:00Z'],
    ['2026-03-28T12:00', 'Europe/Berlin', '2026-03-28T11:00:00Z'],
    ['2026-03-28 12:00:30.5', 'Europe/Berlin', '2026-03-28T11:00:30.500Z'],
    ['2026-03-28', 'Europe/Berlin', '2026-03-27T23:00:00Z'],
    // In a gap: the end of the gap; in an overlap: the earlier instant.
    ['2026-03-29T02:30', 'Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['2026-10-25T02:30', 'Europe/Berlin', '2026-10-25T00:30:00Z'],
    ['2026-02-30T00:00:00Z', 'UTC', undefined],
    ['2026-13-01', 'UTC', undefined],
    ['2026-01-01T24:00:00Z', 'UTC', undefined],
    ['2026-01-01T00:60Z', 'UTC', undefined],
    ['2026-01-01T00:00+19:00', 'UTC', undefined],
    ['yesterday', 'UTC', undefined],
    ['1711670400', 'UTC', undefined],
    ['', 'UTC', undefined],
  ];
  for (const [text, tz, want] of rows) {
    const got = parseIsoInZone(text, tz);
    assert.equal(got === undefined ? undefined : new Date(got).toISOString().replace('.000Z', 'Z'), want, text);
  }
});

test('sameZone: one zone under its aliases, different zones apart, unknown names only equal to themselves', () => {
  assert.equal(sameZone('UTC', 'Etc/UTC'), true);
  assert.equal(sameZone('Asia/Calcutta', 'Asia/Kolkata'), true);
  assert.equal(sameZone('Europe/Berlin', 'Europe/Berlin'), true);
  assert.equal(sameZone('Europe/Berlin', 'Europe/Paris'), false);
  assert.equal(sameZone('UTC', 'Europe/London'), false);
  assert.equal(sameZone('Nowhere/Place', 'UTC'), false);
});
