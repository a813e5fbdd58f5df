// `expect:`: what the artifacts a run leaves must be — there, written by this run, big enough,
// not much smaller than the last good one, and passing a verifier — and the reasons a person
// reads when one is not. Pure: lib/adapters/outcome/artifacts.ts finds the files and runs verifiers.

import { formatDuration } from '../duration.ts';
import type { ExpectRule } from './rules.ts';
import { formatRatio, formatSizes } from './size.ts';
import { OK, type ArtifactResult, type Verdict } from './types.ts';

/** How long a verifier may run when `verify_timeout` is not given. */
export const DEFAULT_VERIFY_TIMEOUT_MS = 5 * 60_000;

/**
 * How much earlier than the run's start a file may say it was written and still count as this
 * run's: the kernel stamps files from a coarse clock, and some filesystems keep whole seconds.
 */
export const FRESH_SLACK_MS = 1000;

/** The checks wrap's flags apply to every `--expect` path. */
export interface ExpectFlagChecks {
  minBytes?: number;
  minRatio?: number;
  verify?: string;
}

/** The `expect:` rules of wrap's flags: one per `--expect` path in order, each fresh and with every check given; undefined without `--expect`. */
export function expectFromFlags(paths: readonly string[] | undefined, checks: ExpectFlagChecks): ExpectRule[] | undefined {
  if (!paths?.length) return undefined;
  return paths.map((path) => ({
    path,
    fresh: true,
    ...(checks.minBytes !== undefined ? { minBytes: checks.minBytes } : {}),
    ...(checks.minRatio !== undefined ? { minRatio: checks.minRatio } : {}),
    ...(checks.verify !== undefined ? { verify: checks.verify, verifyTimeoutMs: DEFAULT_VERIFY_TIMEOUT_MS } : {}),
  }));
}

/** A file the walk found: the newest match of the path. */
export interface FoundFile {
  file: string;
  size: number;
  mtimeMs: number;
}

/** What the walk found for one `expect:` path: a file, nothing, or a reason it could not look. */
export type Lookup = { kind: 'found'; found: FoundFile } | { kind: 'none' } | { kind: 'unreadable'; reason: string };

/** What the last runs say about an artifact's size: the last good size, and whether the last run's passed. */
export interface SizeReference {
  size: number | null;
  lastRunPassed: boolean;
}

/** How a verifier ended. */
export interface VerifyEnd {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  timeoutMs: number;
  /** Why it never ran (command not found …); null when it ran. */
  notStarted: string | null;
  /** The first non-blank line of its stderr ("" when it printed none). */
  stderrLine: string;
}

const baseName = (file: string) => file.slice(file.lastIndexOf('/') + 1);

/** The reference for `path` from the previous record's `expect` list: its carried last good size. */
export function sizeReference(path: string, previous: readonly ArtifactResult[] | null | undefined): SizeReference {
  const entry = previous?.find((e) => e.path === path);
  if (!entry) return { size: null, lastRunPassed: false };
  const size = entry.ref_size ?? (entry.ok ? entry.size : null);
  return { size, lastRunPassed: entry.ok };
}

/** Why the found artifact fails the rule before any verifier runs, or null when it passes. */
export function artifactProblem(rule: ExpectRule, lookup: Lookup, runStartedMs: number, ref: SizeReference): string | null {
  if (lookup.kind === 'unreadable') return lookup.reason;
  if (lookup.kind === 'none') return `no file matches ${rule.path}`;
  const { file, size, mtimeMs } = lookup.found;
  const name = baseName(file);
  if (rule.fresh && mtimeMs < runStartedMs - FRESH_SLACK_MS) {
    return `${name} was last written ${formatDuration(runStartedMs - mtimeMs)} before this run started`;
  }
  if (rule.minBytes !== undefined && size < rule.minBytes) {
    const [is, min] = formatSizes(size, rule.minBytes);
    return `${name} is ${is}, under its min_size ${min}`;
  }
  if (rule.minRatio !== undefined && ref.size !== null && ref.size > 0 && size < ref.size * rule.minRatio) {
    const [is, was] = formatSizes(size, ref.size);
    const whose = ref.lastRunPassed ? "last run's was" : 'the last good one was';
    return `${name} is ${is}; ${whose} ${was} (min_ratio ${formatRatio(rule.minRatio)})`;
  }
  return null;
}

/** `path` quoted for /bin/sh when it needs it: 'it'\''s'. */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** The verifier's command line for `file`: a string runs through /bin/sh -c with `{}` as the quoted path, a list without a shell with `{}` replaced. */
export function verifyCommand(verify: string | readonly string[], file: string): string | string[] {
  if (typeof verify === 'string') return verify.replaceAll('{}', shellQuote(file));
  return verify.map((arg) => arg.replaceAll('{}', file));
}

/** The verifier as a reason names it: its command with the file's base name for `{}`. */
export function verifyLabel(verify: string | readonly string[], file: string): string {
  const name = shellQuote(baseName(file));
  return typeof verify === 'string' ? verify.replaceAll('{}', name) : verify.map((arg) => arg.replaceAll('{}', name)).join(' ');
}

/** Why the verifier's ending fails the artifact, or null when it exited 0. */
export function verifyProblem(label: string, end: VerifyEnd): string | null {
  const said = end.stderrLine ? `: ${end.stderrLine}` : '';
  if (end.notStarted !== null) return `${label} could not run: ${end.notStarted}`;
  if (end.timedOut) return `${label} timed out after ${formatDuration(end.timeoutMs)} (its verify_timeout)`;
  if (end.code === 0 && end.signal === null) return null;
  if (end.signal !== null) return `${label} was killed by ${end.signal}${said}`;
  return `${label} failed with exit ${end.code}${said}`;
}

/** The first non-blank line of a verifier's stderr, at most 300 characters. */
export function firstLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > 300 ? `${trimmed.slice(0, 299)}…` : trimmed;
}

/** The heartbeat's entry for one artifact; a passing one becomes the size the next run is held to. */
export function artifactResult(rule: ExpectRule, lookup: Lookup, reason: string | null, ref: SizeReference): ArtifactResult {
  const found = lookup.kind === 'found' ? lookup.found : null;
  const ok = reason === null;
  return {
    path: rule.path,
    file: found?.file ?? null,
    size: found?.size ?? null,
    ok,
    reason,
    ref_size: ok && found ? found.size : ref.size,
  };
}

/** What a run that failed before its artifacts were checked records for them: nothing found, the last good sizes carried on. */
export function uncheckedArtifacts(rules: readonly ExpectRule[], previous: readonly ArtifactResult[] | null | undefined): ArtifactResult[] {
  return rules.map((rule) => ({
    path: rule.path,
    file: null,
    size: null,
    ok: false,
    reason: 'not checked: the run had already failed',
    ref_size: sizeReference(rule.path, previous).size,
  }));
}

/** The run's verdict from its artifacts: failed with the first failed one's reason, else ok. */
export function expectVerdict(results: readonly ArtifactResult[]): Verdict {
  const bad = results.find((r) => !r.ok);
  return bad ? { outcome: 'failed', reason: bad.reason } : OK;
}

/** The most directory entries one `expect:` path's walk reads before it gives up. */
export const WALK_LIMIT = 10_000;

/** Why a walk that read `limit` entries without finishing cannot say which file is the newest. */
export function walkLimitReason(path: string, limit: number): string {
  return `looked at ${limit} directory entries for ${path} without finishing, so the newest match is unknown (narrow the glob)`;
}
