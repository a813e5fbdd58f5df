// One run of a job inside hb daemon: the tick pipeline (lock, marker, crash detection, record,
// events, pings) around the job's `sh -c COMMAND`, exactly as `hb tick JOB` runs it, but without
// starting a node process for it. The daemon's pid stands where the tick's would.

import type { HbConfig } from '../rules/config/types.ts';
import type { StateDirChoice } from '../adapters/state/dir.ts';
import { runTickOrWrap, type RunEffects } from './pipeline.ts';

/** A run in flight: signal it (its command's process group), and its end (the exit code `hb tick` would give). */
export interface DaemonRun {
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
  done: Promise<number>;
}

/**
 * Starts `hb tick JOB`'s pipeline in this process with `config` (the one the daemon holds) and
 * the state directory the daemon uses. Signals hb would forward go to the command's process
 * group; one sent before the command exists is delivered when it does. Never rejects: a failure
 * of the pipeline itself is said through `fx.warn` and ends the run with its exit code.
 */
export function startDaemonRun(job: string, config: HbConfig, state: StateDirChoice, fx: RunEffects): DaemonRun {
  let childPid: number | null = null;
  let pending: 'SIGTERM' | 'SIGKILL' | null = null;
  let ended = false;
  const signal = (sig: 'SIGTERM' | 'SIGKILL'): void => {
    if (ended) return;
    if (childPid === null) {
      if (pending !== 'SIGKILL') pending = sig;
      return;
    }
    try {
      process.kill(-childPid, sig);
    } catch {
      // Gone already (ESRCH): what the signal was for.
    }
  };
  const onChild = (pid: number): void => {
    childPid = pid;
    if (pending) signal(pending);
  };
  const done = runTickOrWrap({ job, config, state, flagSchedule: null }, { ...fx, forwardSignals: false, onChild }).then(
    (r) => r.exitCode,
    (e: unknown) => {
      const err = e as { message?: string; exitCode?: unknown };
      fx.warn(`hb: ${job}: ${err?.message ?? String(e)}`);
      return typeof err?.exitCode === 'number' ? err.exitCode : 1;
    },
  );
  return {
    signal,
    done: done.finally(() => {
      ended = true;
    }),
  };
}
