// A job's exit-code, output and tolerance keys (`ok_codes`, `warn_codes`, `output`, `tolerate`, and
// `alert_after`, read as `tolerate`) validated into its outcome rules. Pure.

import { patternProblem } from '../outcome/output.ts';
import type { OutcomeRules } from '../outcome/rules.ts';
import { isMap, typeName, type RawProblem, type Tree } from './tree.ts';

/** What the keys give the job. */
export interface OutcomeKeys {
  rules: Pick<OutcomeRules, 'okCodes' | 'warnCodes' | 'failOn' | 'warnOn' | 'require'>;
  /** `tolerate: {failed_runs}`, or the deprecated `alert_after`. */
  failedRuns?: number;
  /** `alert_after` as written (hb doctor names it). */
  alertAfter?: number;
  problems: RawProblem[];
}

/** The keys of `output:`, in the order their rules are asked. */
export const OUTPUT_KEYS = ['fail_on', 'warn_on', 'require'] as const;
const TOLERATE_KEYS = ['failed_runs'];
/** The most failed runs in a row `tolerate` may wait for. */
export const MAX_FAILED_RUNS = 1000;

/** Reads the outcome keys of one job's map; `tailBytes` is its validated `tail`, `defaultTailBytes` the config's `defaults.tail` (0: no output kept). */
export function outcomeKeys(body: Tree, tailBytes: number | undefined, defaultTailBytes?: number): OutcomeKeys {
  const problems: RawProblem[] = [];
  const rules: OutcomeKeys['rules'] = {};
  const ok = exitCodes(body, 'ok_codes', problems);
  const warn = exitCodes(body, 'warn_codes', problems);
  if (ok?.length === 0) problems.push({ path: ['ok_codes'], message: 'expected at least one exit code that means success, found an empty list' });
  else if (ok) rules.okCodes = ok;
  if (warn) rules.warnCodes = warn;
  if (warn && (body.ok_codes === undefined || (ok !== undefined && ok.length > 0))) {
    const both = warn.filter((c) => (ok ?? [0]).includes(c));
    if (both.length > 0) {
      problems.push({
        path: ['warn_codes'],
        message: `exit ${both.join(', ')} is in both ok_codes${ok ? '' : ' (default [0])'} and warn_codes; a code means success or a warning, not both`,
      });
    }
  }
  if (body.output !== undefined) {
    const output = body.output;
    if (!isMap(output)) problems.push({ path: ['output'], message: `expected a map with keys ${OUTPUT_KEYS.join(', ')}, found ${typeName(output)}` });
    else {
      for (const key of Object.keys(output)) {
        if (!(OUTPUT_KEYS as readonly string[]).includes(key))
          problems.push({ path: ['output', key], atKey: true, message: `unknown key "${key}" in output (expected one of ${OUTPUT_KEYS.join(', ')})` });
      }
      rules.failOn = patterns(output, 'fail_on', problems);
      rules.warnOn = patterns(output, 'warn_on', problems);
      rules.require = patterns(output, 'require', problems);
      if (tailBytes === 0)
        problems.push({
          path: ['output'],
          atKey: true,
          message: 'output rules read the output tail, but tail: 0 keeps none (remove tail: 0 or the output rules)',
        });
      else if (tailBytes === undefined && defaultTailBytes === 0)
        problems.push({ path: ['output'], message: 'output rules read the output tail, but defaults.tail: 0 keeps none (give the job its own tail)' });
    }
  }
  for (const key of OUTPUT_KEYS) if (rules[camel(key)] === undefined) delete rules[camel(key)];
  const out: OutcomeKeys = { rules, problems };
  const tolerated = tolerate(body.tolerate, problems);
  const old = body.alert_after;
  if (old !== undefined) {
    if (body.tolerate !== undefined)
      problems.push({
        path: ['alert_after'],
        atKey: true,
        message: 'alert_after and tolerate are both set: tolerate: {failed_runs: N} replaces alert_after; remove alert_after',
      });
    else if (typeof old !== 'number' || !Number.isInteger(old) || old < 1 || old > MAX_FAILED_RUNS)
      problems.push({ path: ['alert_after'], message: `expected a whole number from 1 to ${MAX_FAILED_RUNS}, found ${typeName(old)}` });
    else {
      out.alertAfter = old;
      out.failedRuns = old;
    }
  }
  if (tolerated !== undefined) out.failedRuns = tolerated;
  return out;
}

const camel = (key: (typeof OUTPUT_KEYS)[number]) => (key === 'fail_on' ? 'failOn' : key === 'warn_on' ? 'warnOn' : 'require');

/** A list of exit codes, each a whole number from 0 to 255 (duplicates are kept as written; they do no harm). */
function exitCodes(body: Tree, key: string, problems: RawProblem[]): number[] | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) {
    problems.push({ path: [key], message: `expected a list of exit codes such as [0, 24], found ${typeName(v)}` });
    return undefined;
  }
  let good = true;
  v.forEach((c, i) => {
    if (typeof c === 'number' && Number.isInteger(c) && c >= 0 && c <= 255) return;
    problems.push({ path: [key, i], message: `expected an exit code, a whole number from 0 to 255, found ${typeName(c)}` });
    good = false;
  });
  return good ? (v as number[]) : undefined;
}

/** A pattern or a list of them, each a JavaScript regular expression that compiles. */
function patterns(output: Tree, key: string, problems: RawProblem[]): string[] | undefined {
  const v = output[key];
  if (v === undefined) return undefined;
  const list: unknown[] = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
  if (typeof v !== 'string' && !Array.isArray(v)) {
    problems.push({ path: ['output', key], message: `expected a list of regular expressions such as ["ERROR", "denied"], found ${typeName(v)}` });
    return undefined;
  }
  let good = true;
  list.forEach((p, i) => {
    const at = typeof v === 'string' ? ['output', key] : ['output', key, i];
    const problem = typeof p === 'string' ? patternProblem(p) : `expected a regular expression as text, found ${typeName(p)}`;
    if (problem === null) return;
    problems.push({ path: at, message: typeof p === 'string' ? `not a usable regular expression: ${problem}` : problem });
    good = false;
  });
  return good ? (list as string[]) : undefined;
}

/** `tolerate: {failed_runs: N}`: N from 1 to MAX_FAILED_RUNS. */
function tolerate(v: unknown, problems: RawProblem[]): number | undefined {
  if (v === undefined) return undefined;
  if (!isMap(v)) {
    problems.push({ path: ['tolerate'], message: `expected a map such as {failed_runs: 2}, found ${typeName(v)}` });
    return undefined;
  }
  for (const key of Object.keys(v)) {
    if (!TOLERATE_KEYS.includes(key))
      problems.push({ path: ['tolerate', key], atKey: true, message: `unknown key "${key}" in tolerate (expected one of ${TOLERATE_KEYS.join(', ')})` });
  }
  const n = v.failed_runs;
  if (n === undefined) return undefined;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_FAILED_RUNS) {
    problems.push({
      path: ['tolerate', 'failed_runs'],
      message: `expected a whole number of failed runs in a row from 1 to ${MAX_FAILED_RUNS}, found ${typeName(n)}`,
    });
    return undefined;
  }
  return n;
}
