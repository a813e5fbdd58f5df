// The output stage of a run's outcome: `output: {fail_on, warn_on, require}` matched line by line
// against the run's output tail (the last `tail` bytes of stdout and stderr). Pure.

import { visible } from '../visible.ts';
import { OK, worst, type Verdict } from './types.ts';
import type { OutcomeRules } from './rules.ts';

/** The longest excerpt of a matching line a reason quotes. */
export const MAX_QUOTED_LINE = 120;

/** One pattern, compiled, with the text it was written as. */
interface Pattern {
  source: string;
  re: RegExp;
}

/** The output rules of a job, compiled once per run. */
export interface OutputMatcher {
  failOn: Pattern[];
  warnOn: Pattern[];
  require: Pattern[];
  /** A pattern that does not compile (config and flags refuse them; a hand-edited compiled config may not): the run fails, saying which. */
  broken: string | null;
}

/** Why `source` is not a regular expression hb can match with, or null when it is. */
export function patternProblem(source: string): string | null {
  if (source === '') return 'an empty pattern matches every line';
  try {
    new RegExp(source);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Compiles the output rules; null when the job has none. */
export function compileOutputRules(rules: OutcomeRules | undefined): OutputMatcher | null {
  if (!rules?.failOn?.length && !rules?.warnOn?.length && !rules?.require?.length) return null;
  const out: OutputMatcher = { failOn: [], warnOn: [], require: [], broken: null };
  const add = (into: Pattern[], key: string, sources: readonly string[] | undefined) => {
    for (const source of sources ?? []) {
      const problem = patternProblem(source);
      if (problem === null) into.push({ source, re: new RegExp(source) });
      else out.broken ??= `${key} pattern /${visible(source)}/ does not compile: ${problem}`;
    }
  };
  add(out.failOn, 'fail_on', rules.failOn);
  add(out.warnOn, 'warn_on', rules.warnOn);
  add(out.require, 'require', rules.require);
  return out;
}

/**
 * The verdict of the output rules on a run's tail: a `fail_on` match fails it (the matching line
 * is the reason), a `require` pattern no line matches fails it, a `warn_on` match makes it a
 * warning. After a failed exit only `fail_on` is asked: its line says more than the exit code,
 * while a missing line of a run that failed anyway says nothing new.
 */
export function outputVerdict(tail: string, matcher: OutputMatcher | null, exitFailed: boolean): Verdict {
  if (matcher === null) return OK;
  if (matcher.broken !== null) return { outcome: 'failed', reason: matcher.broken };
  const lines = tail.split('\n');
  const failed = firstMatch(lines, matcher.failOn);
  if (failed) return { outcome: 'failed', reason: `output matched fail_on /${visible(failed.pattern)}/: "${quote(failed.line)}"` };
  if (exitFailed) return OK;
  const verdicts: Verdict[] = [];
  for (const p of matcher.require) {
    if (!lines.some((line) => p.re.test(line))) verdicts.push({ outcome: 'failed', reason: `output lacks /${visible(p.source)}/ (require)` });
  }
  const warned = firstMatch(lines, matcher.warnOn);
  if (warned) verdicts.push({ outcome: 'warning', reason: `output matched warn_on /${visible(warned.pattern)}/: "${quote(warned.line)}"` });
  return worst(verdicts);
}

/** The first line (in output order) that any pattern matches, with the pattern. */
function firstMatch(lines: readonly string[], patterns: readonly Pattern[]): { line: string; pattern: string } | null {
  if (patterns.length === 0) return null;
  for (const line of lines) {
    for (const p of patterns) if (p.re.test(line)) return { line, pattern: p.source };
  }
  return null;
}

/** A line of output as a reason quotes it: printable, trimmed, cut to MAX_QUOTED_LINE characters. */
function quote(line: string): string {
  const text = visible(line.replace(/\r$/, '').trim());
  return text.length <= MAX_QUOTED_LINE ? text : `${text.slice(0, MAX_QUOTED_LINE - 1)}…`;
}
