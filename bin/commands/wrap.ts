// `hb wrap [...] -- CMD`: instrument an existing cron line without changing what it does.

import { UsageError } from '../../lib/rules/errors.ts';
import { expectFromFlags } from '../../lib/rules/outcome/expect.ts';
import type { Io } from '../io.ts';
import { runFromFlags, type RunFlags } from '../run-flags.ts';

interface WrapFlags extends RunFlags {
  job?: string;
  /** ms, from parseTimeout. */
  timeout?: number;
  lock?: boolean;
  skipCode?: number;
  tail?: number;
  quiet?: boolean;
  /** --expect, repeatable: paths from parseExpectPath. */
  expect?: string[];
  /** Bytes, from parseMinSize. */
  minSize?: number;
  /** A fraction, from parseMinRatio. */
  minRatio?: number;
  verify?: string;
  okCodes?: number[];
  warnCodes?: number[];
  failOn?: string[];
  warnOn?: string[];
  require?: string[];
  /** ms, from parseMinDuration. */
  minDuration?: number;
  baseline?: boolean;
}

/** Runs `hb wrap` and returns the child's exit code (128+n for a signal). */
export async function runWrap(command: string[], flags: WrapFlags, io: Io): Promise<number> {
  if (command.length === 0 || command[0] === '') throw new UsageError('wrap: no command given (usage: hb wrap [options] -- CMD [ARGS...])');
  if (flags.status) throw new UsageError("--status: wrap takes the status from the command's exit code");
  const { timeout: timeoutMs, skipCode = 0, tail: tailBytes, okCodes, warnCodes, failOn, warnOn, require } = flags;
  const checks = { minBytes: flags.minSize, minRatio: flags.minRatio, verify: flags.verify };
  if (!flags.expect?.length) {
    const lone = [
      ['--min-size', checks.minBytes],
      ['--min-ratio', checks.minRatio],
      ['--verify', checks.verify],
    ].find(([, v]) => v !== undefined);
    if (lone)
      throw new UsageError(
        `${String(lone[0])}: checks the files of --expect; give --expect PATH too (e.g. --expect "/var/backups/db-*.sql.gz" ${String(lone[0])} …)`,
      );
  }
  const both = warnCodes?.filter((c) => okCodes?.includes(c)) ?? [];
  if (both.length > 0) throw new UsageError(`--warn-codes: exit ${both.join(', ')} is also in --ok-codes; a code means success or a warning, not both`);
  // Named after what it runs, as hb crontab --adopt names the same command (loaded only without --job).
  const job = flags.job ?? (await import('../../lib/rules/crontab/job-names.ts')).jobNameForArgv(command);
  const { exitCode } = await runFromFlags(job, flags, io, {
    command,
    timeoutMs,
    lock: Boolean(flags.lock),
    skipCode,
    tailBytes,
    rules: { quiet: flags.quiet || undefined, expect: expectFromFlags(flags.expect, checks), okCodes, warnCodes, failOn, warnOn, require },
    baseline: Boolean(flags.baseline),
    minDurationMs: flags.minDuration,
  });
  return exitCode;
}
