// A maintenance window through the daylight-saving changes of Europe/Berlin, against the built hb
// under faketime (frozen at each instant; the sandbox's TZ is UTC). The window opens at the fires
// of `30 2 * * *` in Europe/Berlin, as the schedule engine gives them, and lasts 1h of real time:
//
// - an ordinary day (2026-03-28, +01:00): 02:30 local = 01:30Z, until 02:30Z;
// - spring forward (2026-03-29, 02:00 → 03:00): 02:30 does not exist; the fixed-time cron fires
//   at the first instant after the gap, 03:00+02:00 = 01:00Z, until 02:00Z;
// - fall back (2026-10-25, 03:00 → 02:00): 02:30 happens twice; the fixed-time cron fires at the
//   first, 02:30+02:00 = 00:30Z, until 01:30Z (when the wall clock shows 02:30 the second time).
//
// A job that is stale all along is paused exactly inside the window: checked a second before it
// opens, when it opens, a second before it closes and when it closes.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hb, requireTool, sandbox } from '../helpers.ts';

const S = 1000;
const H = 3_600_000;

/** faketime frozen at a UTC instant (the sandbox's TZ is UTC). */
const frozenAt = (ms: number) => ['faketime', '-f', new Date(ms).toISOString().slice(0, 19).replace('T', ' ')];

/** Whose window: the day, when the job last ran (long before: stale all along), and the window's UTC start. */
const DAYS = [
  { day: 'an ordinary day', ranAt: '2026-03-26T12:00:00Z', opens: '2026-03-28T01:30:00Z' },
  { day: 'the spring-forward day', ranAt: '2026-03-26T12:00:00Z', opens: '2026-03-29T01:00:00Z' },
  { day: 'the fall-back day', ranAt: '2026-10-23T12:00:00Z', opens: '2026-10-25T00:30:00Z' },
];

for (const { day, ranAt, opens } of DAYS) {
  test(`a window of 30 2 * * * for 1h in Europe/Berlin pauses a stale job exactly inside it on ${day}`, (t) => {
    if (!requireTool(t, 'faketime')) return;
    const s = sandbox();
    t.after(s.cleanup);
    const config = join(s.root, 'hb.yaml');
    writeFileSync(
      config,
      ['jobs:', '  backup:', '    every: 1h', '    maintenance:', '      - {cron: "30 2 * * *", duration: 1h, tz: Europe/Berlin}', ''].join('\n'),
    );
    const env = { ...s.env, HB_CONFIG: config };
    const tick = hb(['tick', 'backup'], { env, prefix: frozenAt(Date.parse(ranAt)) });
    assert.equal(tick.code, 0, tick.stderr);

    const start = Date.parse(opens);
    const verdictAt = (ms: number) => {
      const r = hb(['check', '--json', 'backup'], { env, prefix: frozenAt(ms) });
      const job = (JSON.parse(r.stdout) as { jobs: Array<{ job: string; status: string; reason: string; problem: boolean }> }).jobs.find(
        (j) => j.job === 'backup',
      );
      assert.ok(job, `backup in the check at ${new Date(ms).toISOString()}: ${r.stdout}${r.stderr}`);
      return { ...job, code: r.code };
    };
    const until = new Date(start + H).toISOString().replace('.000Z', 'Z');
    const reason = `in maintenance window 30 2 * * * for 1h (Europe/Berlin) until ${until}`;

    const before = verdictAt(start - S);
    assert.deepEqual([before.status, before.code], ['stale', 1], `a second before the window: ${before.reason}`);
    const first = verdictAt(start);
    assert.deepEqual([first.status, first.problem, first.reason, first.code], ['paused', false, reason, 0], 'as the window opens');
    const last = verdictAt(start + H - S);
    assert.deepEqual([last.status, last.reason, last.code], ['paused', reason, 0], 'a second before the window closes');
    const after = verdictAt(start + H);
    assert.deepEqual([after.status, after.code], ['stale', 1], `as the window closes: ${after.reason}`);
    assert.match(after.reason, /^last heartbeat /, 'judged on its real state again');
  });
}
