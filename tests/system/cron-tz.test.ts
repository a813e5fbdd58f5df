// CRON_TZ under the real Debian cron daemon: a line fires at its time in the daemon's own zone,
// whatever CRON_TZ above it says, and hb reads it the same way — adopt writes the daemon's zone
// as --tz, never the CRON_TZ one. One wait for one chosen minute.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, requireTool, sandbox, waitFor, type Sandbox } from '../helpers.ts';
import { ensureCron, placeCronFile, type CronDaemon } from '../cron-daemon.ts';

// No dot in the name: cron ignores /etc/cron.d files whose names hold one.
const CRON_FILE = `/etc/cron.d/hb-systest-crontz-${process.pid}`;

let box: Sandbox | null = null;
let cron: CronDaemon | null = null;
after(async () => {
  rmSync(CRON_FILE, { force: true });
  await cron?.stop();
  box?.cleanup();
});

const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/** The zone a process keeps its clock in: its TZ, else the host's /etc/localtime. */
function zoneOf(pid: number): string {
  const tz = read(`/proc/${pid}/environ`)
    .split('\0')
    .find((v) => v.startsWith('TZ='))
    ?.slice(3);
  if (tz) return tz.replace(/^:/, '');
  try {
    return realpathSync('/etc/localtime').replace(/^.*\/zoneinfo\//, '');
  } catch {
    return 'UTC';
  }
}

/** Minute, hour, day of month and month of `at` in `zone`: the fields of a line that fires then only. */
function fieldsAt(at: Date, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', minute: 'numeric', hour: 'numeric', day: 'numeric', month: 'numeric' })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  );
  return `${parts.minute} ${parts.hour} ${parts.day} ${parts.month} *`;
}

test(
  "Debian cron fires a line under CRON_TZ at its own zone's time, never at the CRON_TZ zone's; hb adopt writes the daemon's zone",
  { timeout: 240_000 },
  async (t) => {
    if (!requireTool(t, 'cron')) return;
    const s = (box = sandbox());
    chmodSync(s.root, 0o755);
    cron = await ensureCron();
    const zone = zoneOf(cron.pid);
    // A zone 14 hours off any zone the daemon is likely in (whole hours: the same minute field).
    const other = zone === 'Pacific/Kiritimati' ? 'UTC' : 'Pacific/Kiritimati';
    // The first minute boundary at least 65 s away: cron has read the new file by then.
    const at = new Date(Math.ceil((Date.now() + 65_000) / 60_000) * 60_000);
    const host = fieldsAt(at, zone);
    const away = fieldsAt(at, other);
    assert.notEqual(host, away, `${zone} and ${other} give ${at.toISOString()} different fields`);
    const text = [`CRON_TZ=${other}`, `${host} root touch ${s.root}/fired-in-daemon-zone`, `${away} root touch ${s.root}/fired-in-cron-tz-zone`, ''].join('\n');
    const staged = join(s.root, 'crontz');
    writeFileSync(staged, text);

    // hb's reading: doctor warns, adopt keeps the daemon's zone for both lines.
    const env = { ...s.env, TZ: zone };
    const doctor = JSON.parse(hb(['doctor', '--json', '--system', '--crontab', staged], { env }).stdout) as { findings: Array<{ code: string; line: number }> };
    assert.deepEqual(
      doctor.findings.map((f) => `${f.line} ${f.code}`),
      ['1 cron-tz'],
    );
    const adopt = hb(['crontab', '--adopt', '--system', '--crontab', staged], { env });
    assert.equal(adopt.code, 0, adopt.stderr);
    const tzs = [...adopt.stdout.matchAll(/^\+.* --tz (\S+) /gm)].map((m) => m[1]);
    assert.deepEqual(tzs, [zone, zone], adopt.stdout);

    // Debian's: the same lines in /etc/cron.d.
    await placeCronFile(CRON_FILE, text);
    await waitFor(
      () => existsSync(join(s.root, 'fired-in-daemon-zone')),
      `the line for ${at.toISOString()} in ${zone} to fire`,
      at.getTime() - Date.now() + 30_000,
    );
    // Both lines would have fired in this same wake-up had cron followed CRON_TZ; give it a moment more.
    await waitFor(() => Date.now() > at.getTime() + 8_000, 'the rest of the wake-up', 20_000);
    assert.ok(!existsSync(join(s.root, 'fired-in-cron-tz-zone')), `cron fired the line written for ${other}: it followed CRON_TZ`);
  },
);
