// Settles a finished run's outcome: the exit, then each rule the job gives, in order of trust
// (docs/configuration.md "Outcome rules"). Stages that read files or run verifiers live in
// lib/adapters; the decisions are lib/rules/outcome.

import type { HeartbeatRecord } from '../rules/heartbeat/record.ts';
import { exitVerdict, type ExitFacts } from '../rules/outcome/exit.ts';
import { expectVerdict, uncheckedArtifacts } from '../rules/outcome/expect.ts';
import { minDurationVerdict } from '../rules/outcome/min-duration.ts';
import { compileOutputRules, outputVerdict } from '../rules/outcome/output.ts';
import { baselineVerdict, successDurations, type BaselineJudgement } from '../rules/outcome/baseline.ts';
import { appendRun, readRuns } from '../adapters/history/runs.ts';
import { keepFailedOutput } from '../adapters/history/failed-output.ts';
import { historyDir } from '../adapters/history/dir.ts';
import { runLineOf } from '../rules/history/runs.ts';
import type { OutcomeRules } from '../rules/outcome/rules.ts';
import { worst, type ArtifactResult, type BaselineBand, type Verdict } from '../rules/outcome/types.ts';

/** A finished run with a command, as the stages see it. */
export interface FinishedRun {
  job: string;
  /** The state directory (where per-job history lives). */
  dir: string;
  exit: ExitFacts;
  startedMs: number;
  durationMs: number;
  /** The output tail kept (empty when none). */
  tail: string;
  rules: OutcomeRules | undefined;
  minDurationMs: number | undefined;
  /** The job's heartbeat before this run (null: none, or not a record). */
  previous: HeartbeatRecord | null;
  /** The job's environment, which verifiers run with (absent: an empty one). */
  env?: NodeJS.ProcessEnv;
  /** Whether signals to hb reach a verifier, as they reached the job (hb daemon handles its own). */
  forwardSignals?: boolean;
  /** Told a verifier's pid, as the job's was told (hb daemon signals its process group on stop). */
  onChild?: (pid: number) => void;
}

/** The outcome and what the stages recorded on the way. */
export interface Settled extends Verdict {
  expect: ArtifactResult[] | null;
  baseline: BaselineBand | null;
}

/** Decides the outcome of a finished run; never throws for the job's sake. */
export async function settleOutcome(run: FinishedRun): Promise<Settled> {
  const exit = exitVerdict(run.exit, run.rules);
  const verdicts: Verdict[] = [exit];
  const failed = () => verdicts.some((v) => v.outcome === 'failed');
  verdicts.push(outputVerdict(run.tail, compileOutputRules(run.rules), exit.outcome === 'failed'));
  let expect: ArtifactResult[] | null = null;
  // A run that already failed is not asked for its artifacts (the failure says more), but the
  // last good sizes go on in its record, or min_ratio would not hold the run after it.
  if (failed() && run.rules?.expect?.length) expect = uncheckedArtifacts(run.rules.expect, run.previous?.expect);
  else if (run.rules?.expect?.length) {
    const { checkArtifacts } = await import('../adapters/outcome/artifacts.ts');
    expect = await checkArtifacts(run.rules.expect, run.startedMs, run.previous?.expect, {
      env: run.env ?? {},
      forward: run.forwardSignals ?? false,
      onSpawn: run.onChild,
    });
    verdicts.push(expectVerdict(expect));
  }
  // Only a success can be too fast: a failure already says more.
  if (!failed()) verdicts.push(minDurationVerdict(run.durationMs, run.minDurationMs));
  // Last: a failed run is not judged by its duration, and only a job with a baseline reads its history.
  const learned = failed() ? null : baselineStage(run);
  if (learned) verdicts.push({ outcome: learned.outcome, reason: learned.reason });
  return { ...worst(verdicts), expect, baseline: learned?.band ?? null };
}

/**
 * Keeps a command run's history once its heartbeat is written: the output of a failed run
 * (`hb log --output`) and the run's line (what a baseline learns from). Never at the
 * heartbeat's cost: returns the warning lines of what could not be kept, a history folder hb
 * cannot use said once, not once per file in it.
 */
export function keepRunHistory(dir: string, record: HeartbeatRecord, now: () => number): string[] {
  const warnings: string[] = [];
  if (record.status === 'error') {
    try {
      keepFailedOutput(dir, record);
    } catch (e) {
      warnings.push(`hb: could not keep the output of this failed run of ${record.job}: ${(e as Error).message}`);
      if ((e as NodeJS.ErrnoException).path === historyDir(dir)) return warnings;
    }
  }
  try {
    appendRun(dir, record.job, runLineOf(record), now);
  } catch (e) {
    warnings.push(`hb: could not add this run to the history of ${record.job} in ${dir}: ${(e as Error).message}`);
  }
  return warnings;
}

/** The run judged against the job's learned band; null when the job has no `baseline`. */
function baselineStage(run: FinishedRun): BaselineJudgement | null {
  const rule = run.rules?.baseline;
  if (!rule) return null;
  let history;
  try {
    history = readRuns(run.dir, run.job);
  } catch {
    // An unreadable history judges nothing; appending this run to it says why, once.
    return { outcome: 'ok', reason: null, band: null };
  }
  return baselineVerdict(run.durationMs, successDurations(history, rule.runs), rule);
}
