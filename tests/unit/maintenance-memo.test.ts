// Maintenance window answers remembered between checks (lib/rules/maintenance/memo.ts): reused
// while they hold, decided again once the window opens or closes, the clock goes back, or the
// time-zone data changes; never trusted when malformed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowMemo, type StoredWindows } from '../../lib/rules/maintenance/memo.ts';
import { decideWindow } from '../../lib/rules/maintenance/open.ts';
import type { MaintenanceWindow } from '../../lib/rules/maintenance/types.ts';

const at = (text: string) => Date.parse(text);
const H = 3_600_000;
const W: MaintenanceWindow = { schedule: { cron: '0 2 * * 0', tz: 'Europe/Berlin' }, durationMs: 2 * H, text: '0 2 * * 0 for 2h (Europe/Berlin)' };
// Sunday 2026-03-22, 02:00 in Berlin (+01:00) is 01:00Z: open until 03:00Z, next on 2026-03-29 at 01:00Z (03:00+02:00, after the gap).
const OPENS = at('2026-03-22T01:00:00Z');
const NEXT = at('2026-03-29T01:00:00Z');

/** A memo over `stored` counting the windows it had to decide. */
function counted(stored: unknown, tzdata = '2025b') {
  const calls: number[] = [];
  let loads = 0;
  const memo = windowMemo(
    () => {
      loads++;
      return stored;
    },
    tzdata,
    (w, now) => {
      calls.push(now);
      return decideWindow(w, now);
    },
  );
  return { memo, calls, loads: () => loads };
}

test('a check decides a window and keeps when its answer stops holding; the next check reuses it meanwhile', () => {
  const first = counted(null);
  assert.equal(first.memo.openAt(W, OPENS - 1), null);
  const stored = first.memo.toStore();
  assert.deepEqual(stored, { v: 1, tzdata: '2025b', entries: { '0 2 * * 0\u0000Europe/Berlin\u00007200000': [OPENS - 1, OPENS, null] } });

  // Still closed a moment later: nothing decided, nothing to write.
  const again = counted(JSON.parse(JSON.stringify(stored)));
  assert.equal(again.memo.openAt(W, OPENS - 1), null);
  assert.deepEqual(again.calls, []);
  assert.equal(again.memo.toStore(), null);

  // At the opening the answer no longer holds: decided again, open until 03:00Z, kept until then.
  const opened = counted(stored);
  assert.deepEqual(opened.memo.openAt(W, OPENS), { untilMs: OPENS + 2 * H, text: W.text });
  assert.deepEqual(opened.calls, [OPENS]);
  const open = opened.memo.toStore()!;
  const inside = counted(open);
  assert.deepEqual(inside.memo.openAt(W, OPENS + 2 * H - 1), { untilMs: OPENS + 2 * H, text: W.text });
  assert.deepEqual(inside.calls, [], 'open all along: reused');
  // At its end: closed again, until next Sunday (after the spring-forward gap).
  const closed = counted(open);
  assert.equal(closed.memo.openAt(W, OPENS + 2 * H), null);
  assert.deepEqual(closed.memo.toStore()!.entries, { '0 2 * * 0\u0000Europe/Berlin\u00007200000': [OPENS + 2 * H, NEXT, null] });
});

test('a clock set back, other time-zone data or a malformed entry is decided again', () => {
  const key = '0 2 * * 0\u0000Europe/Berlin\u00007200000';
  const stored: StoredWindows = { v: 1, tzdata: '2025b', entries: { [key]: [OPENS, OPENS + 2 * H, OPENS + 2 * H] } };
  const back = counted(stored);
  assert.equal(back.memo.openAt(W, OPENS - H), null, 'before the answer was decided');
  assert.equal(back.calls.length, 1);
  const tz = counted(stored, '2026a');
  tz.memo.openAt(W, OPENS + H);
  assert.equal(tz.calls.length, 1, 'other tz data');
  for (const bad of [[OPENS, OPENS + 2 * H, OPENS], [OPENS, 'x', null], [OPENS, OPENS + 2 * H], 'open', null]) {
    const m = counted({ ...stored, entries: { [key]: bad } });
    assert.deepEqual(m.memo.openAt(W, OPENS + H), { untilMs: OPENS + 2 * H, text: W.text }, JSON.stringify(bad));
    assert.equal(m.calls.length, 1, `decided again over ${JSON.stringify(bad)}`);
  }
  for (const junk of [null, 'x', { v: 2, tzdata: '2025b', entries: {} }, { v: 1, tzdata: '2025b', entries: null }]) {
    const m = counted(junk);
    assert.equal(m.memo.openAt(W, OPENS - 1), null);
    assert.equal(m.calls.length, 1);
  }
});

test('the stored answers are read only when a window is asked about, and a window never opening again is not kept', () => {
  const idle = counted({ v: 1, tzdata: '2025b', entries: {} });
  assert.equal(idle.memo.toStore(), null);
  assert.equal(idle.loads(), 0, 'a config without windows reads nothing');
  // A cron whose next fire is past the schedule engine's horizon: closed for good.
  let decided = 0;
  const m = windowMemo(
    () => null,
    '2025b',
    () => {
      decided++;
      return { open: false, untilMs: Infinity };
    },
  );
  assert.equal(m.openAt(W, OPENS), null);
  assert.equal(m.toStore(), null, 'Infinity is not JSON: decided each time');
  assert.equal(m.openAt(W, OPENS + 1), null);
  assert.equal(decided, 2);
});
