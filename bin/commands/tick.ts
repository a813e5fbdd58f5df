// `hb tick JOB`: run the job's configured command (or just ping) and record the heartbeat.

import type { Io } from '../io.ts';
import { DEFAULT_TAIL_BYTES, executeRun, type RunFlags } from './job-run.ts';

/** Runs `hb tick` and returns the command's exit code (0 for a recorded ping). */
export async function runTick(job: string, flags: RunFlags & { json?: boolean }, io: Io): Promise<number> {
  return executeRun(
    job,
    flags,
    io,
    (cfg, defaults) => ({
      command: cfg?.command,
      timeoutMs: cfg?.timeoutMs ?? defaults.timeoutMs,
      lock: cfg?.lock ?? false,
      skipCode: 0,
      tailBytes: cfg?.tailBytes ?? DEFAULT_TAIL_BYTES,
    }),
    flags.json,
  );
}
