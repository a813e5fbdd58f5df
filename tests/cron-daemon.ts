// The real Debian cron daemon for system tests: the one this machine already runs, or a
// `cron -f` started for the test and stopped after it.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { waitFor } from './helpers.ts';

const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The cron daemon running on this machine (its pidfile names a live `cron` process), or null. */
export function runningCron(): number | null {
  const pid = Number(read('/run/crond.pid').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
  return read(`/proc/${pid}/comm`).trim() === 'cron' ? pid : null;
}

/** A cron daemon a test uses: `ours` when the test started it; `stop` ends only one it started. */
export interface CronDaemon {
  pid: number;
  ours: boolean;
  /** What a daemon started here wrote on stderr (its log, with -L). */
  stderr(): string;
  stop(): Promise<void>;
}

/** The running cron, or a `cron -f -L 15` started now once it holds the pidfile. */
export async function ensureCron(): Promise<CronDaemon> {
  const existing = runningCron();
  if (existing) return { pid: existing, ours: false, stderr: () => '', stop: async () => {} };
  let stderr = '';
  const child: ChildProcess = spawn('cron', ['-f', '-L', '15'], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
  };
  await waitFor(() => child.exitCode !== null || child.signalCode !== null || runningCron() === child.pid, 'cron to take /run/crond.pid', 10_000);
  if (runningCron() === child.pid) return { pid: child.pid, ours: true, stderr: () => stderr, stop };
  // Another cron won the pidfile in the meantime: use that one.
  await stop();
  const other = runningCron();
  assert.ok(other, `cron -f exited (code ${child.exitCode}, signal ${child.signalCode}) and no other cron runs\n${stderr}`);
  return { pid: other, ours: false, stderr: () => stderr, stop: async () => {} };
}

/**
 * Puts `text` at `path` in /etc/cron.d so a running cron reads it. cron reloads the folder when
 * its mtime, in whole seconds, differs from the one it last loaded: a file placed in the same
 * second as that load (a cron just started, a minute's wake) would never be read. So the file
 * goes in twice, more than a second apart; each time by rename from a dotted name cron ignores.
 */
export async function placeCronFile(path: string, text: string): Promise<void> {
  for (const pass of [1, 2]) {
    const temp = `${path}.tmp`;
    writeFileSync(temp, text);
    chmodSync(temp, 0o644);
    renameSync(temp, path);
    if (pass === 1) await new Promise((resolve) => setTimeout(resolve, 1_100));
  }
}
