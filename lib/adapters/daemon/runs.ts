// The daemon's runs as real processes: the `hb tick`/`hb check` command line, starting one in its
// own process group, stopping it (SIGKILL reaches the job too), and recording a lock skip.

import { spawn } from 'node:child_process';
import { appendEvents } from '../events/log.ts';
import { newEvent } from '../../rules/events/schema.ts';
import { readRunMarker } from '../heartbeat/store.ts';
import { runLabel, type DaemonJob } from '../../rules/daemon/jobs.ts';

/** How to start hb again: node, its flags, and the entry script, plus the options every run gets. */
export interface HbCommand {
  execPath: string;
  /** Node flags and the hb entry script. */
  prefix: string[];
  stateDir: string;
  configFile: string | null;
  /** The daemon's copy of the config it holds (lib/adapters/daemon/config-copy.ts), read by every run. */
  configCopy: string | null;
}

/** The argv (after execPath) of one run: `… --state-dir D [--config F --config-snapshot C] tick JOB` or `… check`. */
export function runArgv(hb: HbCommand, job: DaemonJob): string[] {
  return [
    ...hb.prefix,
    '--state-dir',
    hb.stateDir,
    ...(hb.configFile ? ['--config', hb.configFile] : []),
    ...(hb.configFile && hb.configCopy ? ['--config-snapshot', hb.configCopy] : []),
    ...(job.kind === 'check' ? ['check'] : ['tick', job.name]),
  ];
}

/**
 * Starts one run with the daemon's stdout/stderr, in its own process group (a terminal's Ctrl-C
 * then reaches only the daemon, which lets runs finish). `onExit` gets its end.
 */
export function startRun(
  hb: HbCommand,
  job: DaemonJob,
  env: NodeJS.ProcessEnv,
  onExit: (pid: number, code: number | null, signal: string | null) => void,
  onError: (message: string) => void,
): { pid: number } | { error: string } {
  const child = spawn(hb.execPath, runArgv(hb, job), { stdio: ['ignore', 'inherit', 'inherit'], env, detached: true });
  const pid = child.pid;
  if (pid === undefined) {
    // Not created (fork failed): the caller logs it; the 'error' event would only repeat it.
    child.on('error', () => {});
    return { error: 'the process could not be created' };
  }
  child.on('error', (e) => onError(`${runLabel(job)} (pid ${pid}): ${e.message}`));
  child.on('exit', (code, signal) => onExit(pid, code, signal));
  return { pid };
}

/** Signals a run; a SIGKILLed tick cannot pass it on, so the job's process group (from its marker) gets it too. */
export function signalRun(pid: number, signal: 'SIGTERM' | 'SIGKILL', stateDir: string, job: DaemonJob | undefined): void {
  signalQuietly(pid, signal);
  if (signal !== 'SIGKILL' || !job) return;
  const marker = readRunMarker(stateDir, job.name);
  if (marker?.pid === pid && marker.child_pid) signalQuietly(-marker.child_pid, 'SIGKILL');
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already (ESRCH): what we wanted.
  }
}

/** Records a fire skipped for lock as `overlap_skipped` (by the daemon); returns a problem to log, or null. */
export function recordSkip(stateDir: string, job: DaemonJob, holder: { pid: number; startedMs: number }, nowMs: number): string | null {
  try {
    appendEvents(stateDir, [
      newEvent.overlap_skipped(new Date(nowMs).toISOString(), job.name, {
        holder_pid: holder.pid,
        holder_started_at: new Date(holder.startedMs).toISOString(),
        by: 'daemon',
      }),
    ]);
    return null;
  } catch (e) {
    return `could not append to the event log in ${stateDir}: ${(e as Error).message}`;
  }
}
