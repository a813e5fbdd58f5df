// Soak test of `hb daemon` (opt-in: HB_SOAK=1; HB_SOAK_SECONDS sets the length, default 60).
// 20 jobs fire every second (the daemon's shortest interval) — 16 hold a long run so every fire
// is a lock skip (log line + event), 4 run a short command — while the daemon's RSS and CPU time
// are sampled from /proc. They must stay flat after warm-up, and the scheduler must keep up with
// every fire.
//
//   HB_SOAK=1 node --import tsx --test tests/soak/daemon-soak.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, sandbox, waitFor } from '../helpers.ts';

const SECONDS = Number(process.env.HB_SOAK_SECONDS ?? 60);
const SAMPLE_MS = 5000;
const WARMUP_MS = 10_000;
const HOLDERS = 16;
const RUNNERS = 4;
const PERIOD_MS = 1000;

/** RSS (KiB) and CPU time (user + system, ms) of a process, from /proc. */
function sample(pid: number): { rssKiB: number; cpuMs: number } {
  const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15; fields[0] is field 3. Clock ticks of 10 ms.
  return { rssKiB: rss, cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test(
  `soak: ${HOLDERS + RUNNERS} jobs every ${PERIOD_MS}ms for ${SECONDS}s — memory and CPU stay flat`,
  { skip: process.env.HB_SOAK !== '1' && 'set HB_SOAK=1 to run', timeout: (SECONDS + 60) * 1000 },
  async (t) => {
    const s = sandbox();
    let pid = 0;
    try {
      const jobs = [
        ...Array.from(
          { length: HOLDERS },
          (_, i) => `  hold-${String(i).padStart(2, '0')}:\n    every: ${PERIOD_MS}ms\n    lock: true\n    command: "sleep 3600"\n`,
        ),
        ...Array.from({ length: RUNNERS }, (_, i) => `  run-${i}:\n    every: ${PERIOD_MS}ms\n    lock: true\n    command: "sleep 0.9"\n`),
      ];
      writeFileSync(join(s.root, 'hb.yaml'), `jobs:\n${jobs.join('')}`);
      const logPath = join(s.root, 'daemon.stderr');
      const log = openSync(logPath, 'w');
      const child = spawn(process.execPath, [HB, '--config', join(s.root, 'hb.yaml'), 'daemon', 'start', '--stop-timeout', '1s'], {
        env: s.env,
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      pid = child.pid!;
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await waitFor(() => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('hb daemon: started ('), 'the daemon to start');
      const t0 = Date.now();

      const samples: Array<{ s: number; rssKiB: number; cpuMs: number }> = [];
      while (Date.now() - t0 < SECONDS * 1000) {
        samples.push({ s: Math.round((Date.now() - t0) / 1000), ...sample(pid) });
        await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, SECONDS * 1000 - (Date.now() - t0) + 1)));
      }
      samples.push({ s: Math.round((Date.now() - t0) / 1000), ...sample(pid) });
      const elapsedMs = Date.now() - t0;
      process.kill(pid, 'SIGTERM');
      assert.equal(await exited, 0, 'clean exit');

      const text = readFileSync(logPath, 'utf8');
      const starts = (text.match(/ started tick /g) ?? []).length;
      const skips = (text.match(/ skipped tick /g) ?? []).length;
      const missed = (text.match(/missed \(the daemon was late\)/g) ?? []).length;
      const expected = Math.floor(elapsedMs / PERIOD_MS) * (HOLDERS + RUNNERS);
      const rows = samples.map((x, i) => {
        const prev = samples[i - 1];
        const cpuPct = prev ? ((x.cpuMs - prev.cpuMs) / ((x.s - prev.s) * 1000)) * 100 : NaN;
        return `  t=${String(x.s).padStart(3)}s  rss=${(x.rssKiB / 1024).toFixed(1).padStart(6)} MiB  cpu=${String(x.cpuMs).padStart(6)} ms${prev ? `  (${cpuPct.toFixed(1)}% of a core since last)` : ''}`;
      });
      for (const row of rows) t.diagnostic(row);
      t.diagnostic(`fires handled: ${starts} starts + ${skips} lock skips = ${starts + skips} of ~${expected} due; ${missed} late wake-ups with missed fires`);

      const settled = samples.filter((x) => x.s * 1000 >= WARMUP_MS);
      assert.ok(settled.length >= 4, 'enough samples after warm-up');
      const head = mean(settled.slice(0, 3).map((x) => x.rssKiB));
      const tail = mean(settled.slice(-3).map((x) => x.rssKiB));
      t.diagnostic(
        `RSS after warm-up: first three ${(head / 1024).toFixed(1)} MiB, last three ${(tail / 1024).toFixed(1)} MiB (${(((tail - head) / head) * 100).toFixed(1)}%)`,
      );
      assert.ok(tail < head * 1.2, `RSS grew by less than 20% (${head} → ${tail} KiB)`);
      const rate = (a: (typeof samples)[number], b: (typeof samples)[number]) => (b.cpuMs - a.cpuMs) / (b.s - a.s);
      const firstRate = rate(settled[0]!, settled[Math.min(3, settled.length - 1)]!);
      const lastRate = rate(settled[Math.max(0, settled.length - 4)]!, settled[settled.length - 1]!);
      t.diagnostic(`CPU after warm-up: ${(firstRate / 10).toFixed(1)}% of a core at first, ${(lastRate / 10).toFixed(1)}% at the end`);
      assert.ok(lastRate < firstRate * 1.5 + 20, `CPU per second stays flat (${firstRate.toFixed(0)} → ${lastRate.toFixed(0)} ms/s)`);
      assert.ok(starts + skips >= expected * 0.95, `the scheduler kept up: ${starts + skips} of ~${expected} fires`);
      assert.deepEqual(
        readdirSync(s.state).filter((f) => f.endsWith('.run')),
        [],
        'every run was stopped and cleaned up',
      );
    } finally {
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      s.cleanup();
    }
  },
);
