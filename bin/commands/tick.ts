// `hb tick JOB`: run the job's configured command (or just ping) and record the heartbeat.

import type { Io } from '../io.ts';
import { runFromFlags, type RunFlags } from '../run-flags.ts';

/** Runs `hb tick` and returns the command's exit code (0 for a recorded ping); --json prints the record. */
export async function runTick(job: string, flags: RunFlags & { json?: boolean }, io: Io): Promise<number> {
  const { exitCode, record } = await runFromFlags(job, flags, io);
  if (flags.json && record) io.out(JSON.stringify(record) + '\n');
  return exitCode;
}
