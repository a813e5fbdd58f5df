// A job's `baseline:` key: `true` (the defaults), `false` (off) or a map of the band's settings,
// validated into a BaselineRule with every problem found. Pure.

import { configDuration, durationHint } from '../duration.ts';
import { RUNS_KEPT } from '../history/runs.ts';
import { DEFAULT_BASELINE } from '../outcome/baseline.ts';
import type { BaselineRule } from '../outcome/rules.ts';
import { isMap, typeName, type RawProblem } from './tree.ts';

/** The keys of a `baseline:` map. */
export const BASELINE_KEYS = ['runs', 'min_runs', 'fast', 'slow', 'slack'];

/** The most a factor may be: past it no run is ever judged. */
const MAX_FACTOR = 1000;

/** Validates the value of `baseline:`; the rule (undefined when off or wrong) and every problem. */
export function parseBaseline(raw: unknown): { rule: BaselineRule | undefined; problems: RawProblem[] } {
  const problems: RawProblem[] = [];
  if (raw === false) return { rule: undefined, problems };
  if (raw === true) return { rule: { ...DEFAULT_BASELINE }, problems };
  if (!isMap(raw)) {
    problems.push({ path: [], message: `expected true, false or a map (runs, min_runs, fast, slow, slack), found ${typeName(raw)}` });
    return { rule: undefined, problems };
  }
  const map = raw as Record<string, unknown>;
  for (const key of Object.keys(map)) {
    if (!BASELINE_KEYS.includes(key)) problems.push({ path: [key], message: `unknown key "${key}" in baseline (expected one of ${BASELINE_KEYS.join(', ')})` });
  }
  const whole = (key: string, min: number, max: number, fallback: number): number => {
    const v = map[key];
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    problems.push({ path: [key], message: `expected a whole number from ${min} to ${max}, found ${typeName(v)}` });
    return fallback;
  };
  const factor = (key: string, fallback: number): number => {
    const v = map[key];
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 1 && v <= MAX_FACTOR) return v;
    problems.push({ path: [key], message: `expected a factor from 1 to ${MAX_FACTOR} (3: three times off the usual band), found ${typeName(v)}` });
    return fallback;
  };
  const runs = whole('runs', 1, RUNS_KEPT, DEFAULT_BASELINE.runs);
  const minRuns = whole('min_runs', 1, RUNS_KEPT, Math.min(DEFAULT_BASELINE.minRuns, runs));
  if (minRuns > runs && map.min_runs !== undefined) {
    problems.push({ path: ['min_runs'], message: `expected at most runs (${runs}): the band never holds more than runs successes, found ${minRuns}` });
  }
  const rule: BaselineRule = {
    runs,
    minRuns,
    fast: factor('fast', DEFAULT_BASELINE.fast),
    slow: factor('slow', DEFAULT_BASELINE.slow),
    slackMs: DEFAULT_BASELINE.slackMs,
  };
  if (map.slack !== undefined) {
    const ms = configDuration(map.slack, 0);
    if (ms === undefined) {
      const v = map.slack;
      problems.push({ path: ['slack'], message: typeof v === 'string' ? durationHint(v) : `expected a duration such as 500ms or 2s, found ${typeName(v)}` });
    } else rule.slackMs = ms;
  }
  return problems.length ? { rule: undefined, problems } : { rule, problems };
}
