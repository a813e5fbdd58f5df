// `host_down` evidence from this machine's real boot time (/proc/stat btime), with the clocks of
// hb tick and hb check faked around it by faketime: a run due before boot is the host being
// down, until a run due after boot is missed too. A faked clock never reads as a sleep.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { hb, requireTool, sandbox, type Sandbox } from '../helpers.ts';

let box: Sandbox | null = null;
after(() => box?.cleanup());

const H = 3_600_000;
/** faketime's start instant for `ms` (the sandbox's TZ is UTC). */
const at = (ms: number) => ['faketime', '-f', `@${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}`];
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

test('a job due before the real boot is told the host was down: a cause while the first run due after boot is ahead, a clue once it is missed too', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const bootMs = Number(/^btime\s+(\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]) * 1000;
  const s = (box = sandbox());
  // Ran two hours before boot, every hour: due an hour before boot, stale from boot on.
  const tick = hb(['tick', 'nightly', '--every', '1h'], { env: s.env, prefix: at(bootMs - 2 * H) });
  assert.equal(tick.code, 0, tick.stderr);

  const check = (nowMs: number) => {
    const r = hb(['check', '--json', 'nightly'], { env: s.env, prefix: at(nowMs) });
    assert.equal(r.code, 1, r.stderr);
    const job = JSON.parse(r.stdout).jobs[0];
    assert.equal(job.status, 'stale');
    // The due time is the tick's, which ran a little after its faked start.
    assert.ok(Date.parse(job.due) - (bootMs - H) < 5_000, job.due);
    return { due: job.due, items: job.evidence.filter((e: { kind: string }) => e.kind === 'host_down') };
  };

  // Half an hour after boot: the run due an hour after boot has not even come.
  const { due, items: early } = check(bootMs + H / 2);
  assert.equal(early.length, 1, `one host_down item, no sleep read from a faked clock: ${JSON.stringify(early)}`);
  assert.equal(early[0].weight, 'cause');
  // The faked clock runs on from its start: "30m ago", or a few seconds more.
  const ago = String.raw`\(30m(?:\d+s)? ago\)`;
  assert.match(
    early[0].text,
    new RegExp(
      `^the host was down when the run was due at ${hhmm(bootMs - H)} UTC: it booted ${hhmm(bootMs)} UTC ${ago}; the next run is due ${hhmm(bootMs + H)} UTC$`,
    ),
  );
  assert.deepEqual(early[0].facts, {
    booted_at: new Date(bootMs).toISOString(),
    due_at: due,
    due_after_boot: new Date(bootMs + H).toISOString(),
    down_at_due: true,
  });

  // Three hours after boot: the run due an hour after boot is past its deadline as well.
  const late = check(bootMs + 3 * H).items;
  assert.equal(late.length, 1, JSON.stringify(late));
  assert.equal(late[0].weight, 'clue');
  assert.equal(
    late[0].text,
    `the host was down when the run was due at ${hhmm(bootMs - H)} UTC (it booted ${hhmm(bootMs)} UTC), but the run due ${hhmm(bootMs + H)} UTC after boot did not happen either`,
  );
});

test('a job due after the real boot is told the host has been up since, and a clock faked ahead reads no sleep', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const bootMs = Number(/^btime\s+(\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]) * 1000;
  const s = sandbox();
  t.after(() => s.cleanup());
  const tick = hb(['tick', 'nightly', '--every', '1h'], { env: s.env, prefix: ['faketime', '-f', '-3h'] });
  assert.equal(tick.code, 0, tick.stderr);
  const r = hb(['check', '--json', 'nightly'], { env: s.env, prefix: ['faketime', '-f', '+6h'] });
  const job = JSON.parse(r.stdout).jobs[0];
  const items = job.evidence.filter((e: { kind: string }) => e.kind === 'host_down');
  assert.equal(items.length, 1, JSON.stringify(items));
  assert.equal(items[0].weight, 'clear');
  assert.match(items[0].text, /^the host has been up since .+, before the run was due \(whether it slept since is not known\)$/);
  assert.equal(items[0].facts.booted_at, new Date(bootMs).toISOString());
  assert.equal(items[0].facts.slept_s, null);
});
