// Validation of a job's `recover:` block into a RecoverPolicy with its defaults; pure (paths are
// resolved as text against the config file's directory, never against the process's cwd).

import { posix } from 'node:path';
import { configDuration, durationHint, formatDuration, parseDuration } from '../duration.ts';
import type { HealthCheck, RecoverPolicy } from './types.ts';

/** One problem in a `recover:` block; `path` is the key path below `recover`. */
export interface RecoverProblem {
  path: Array<string | number>;
  message: string;
}

/** The defaults a `recover:` block starts from. */
export const RECOVER_DEFAULTS = {
  maxRestarts: { count: 3, windowMs: 3_600_000 },
  source: 'snapshot',
  ref: 'HEAD',
  settleMs: 10_000,
  timeoutMs: 60_000,
  keep: 5,
} as const;

/** The longest budget window: the restart history remembers a day (restarts.ts). */
export const MAX_WINDOW_MS = 86_400_000;
/** The largest budget count: the restart history remembers 100 restarts. */
export const MAX_RESTART_COUNT = 100;

const shown = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`;

/**
 * Validates `raw` (the map under `recover:`); returns the policy, or null with every problem.
 * `configFile` is the absolute path of the file it came from (null: relative paths are refused).
 * Unknown keys are left to lib/rules/config/validate.ts, which reports them for the whole config.
 */
export function parseRecover(raw: Record<string, unknown>, configFile: string | null): { policy: RecoverPolicy | null; problems: RecoverProblem[] } {
  const problems: RecoverProblem[] = [];
  const add = (path: Array<string | number>, message: string) => problems.push({ path, message });
  const health = parseHealth(raw.health, configFile, add);
  const config = parseConfigPaths(raw.config, configFile, add);
  const restart = parseRestart(raw.restart, add);
  const maxRestarts = raw.max_restarts === undefined ? { ...RECOVER_DEFAULTS.maxRestarts } : parseBudget(raw.max_restarts, add);
  let source: 'snapshot' | 'git' = RECOVER_DEFAULTS.source;
  if (raw.source !== undefined) {
    if (raw.source === 'snapshot' || raw.source === 'git') source = raw.source;
    else add(['source'], `expected snapshot (the default: the last healthy copy hb kept) or git (the committed file), found ${shown(raw.source)}`);
  }
  let ref: string = RECOVER_DEFAULTS.ref;
  if (raw.ref !== undefined) {
    if (raw.source !== 'git') add(['ref'], 'ref applies only with source: git');
    else if (typeof raw.ref !== 'string' || !/^[^\s:-][^\s:]*$/.test(raw.ref)) {
      add(['ref'], `expected a git ref such as HEAD, main or v1.2 (no spaces or colons, not starting with -), found ${shown(raw.ref)}`);
    } else ref = raw.ref;
  }
  const settleMs = durationKey(raw, 'settle', RECOVER_DEFAULTS.settleMs, 0, add);
  const timeoutMs = durationKey(raw, 'timeout', RECOVER_DEFAULTS.timeoutMs, 1, add);
  let keep: number = RECOVER_DEFAULTS.keep;
  if (raw.keep !== undefined) {
    if (typeof raw.keep === 'number' && Number.isInteger(raw.keep) && raw.keep >= 1 && raw.keep <= 100) keep = raw.keep;
    else add(['keep'], `expected how many snapshots to keep, a whole number from 1 to 100, found ${shown(raw.keep)}`);
  }
  if (raw.config === undefined && raw.restart === undefined) {
    add([], 'has neither config (files to roll back) nor restart (a command): there is nothing to recover with');
  }
  if (problems.length > 0 || health === undefined || config === undefined || restart === undefined || maxRestarts === undefined) {
    return { policy: null, problems };
  }
  return { policy: { health, config, restart, maxRestarts, source, ref, settleMs, timeoutMs, keep }, problems };
}

type Add = (path: Array<string | number>, message: string) => void;

function parseHealth(v: unknown, configFile: string | null, add: Add): HealthCheck | undefined {
  if (v === undefined) return { kind: 'heartbeat' };
  const expected =
    'expected {pid_file: PATH} (alive while the process it names runs), an http:// or https:// URL that answers 2xx, or a shell command that exits 0';
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length !== 1 || keys[0] !== 'pid_file') {
      add(['health'], `${expected}, found a map with ${keys.length === 0 ? 'no keys' : `key ${keys.map((k) => JSON.stringify(k)).join(', ')}`}`);
      return undefined;
    }
    const path = guardedPath((v as { pid_file: unknown }).pid_file, configFile);
    if ('problem' in path) {
      add(['health', 'pid_file'], path.problem);
      return undefined;
    }
    return { kind: 'pid_file', path: path.path };
  }
  if (typeof v !== 'string' || v.trim() === '') {
    add(['health'], `${expected}, found ${shown(v)}`);
    return undefined;
  }
  if (!/^https?:\/\//i.test(v)) return { kind: 'command', command: v };
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    // The text may carry a password: say what is wrong without echoing it.
    add(['health'], `${expected}: this URL does not parse`);
    return undefined;
  }
  if (url.hostname === '') {
    add(['health'], `${expected}: this URL has no host`);
    return undefined;
  }
  return { kind: 'url', url: v };
}

function parseConfigPaths(v: unknown, configFile: string | null, add: Add): string[] | undefined {
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) {
    add(['config'], `expected a file path or a non-empty list of file paths, found ${shown(v)}`);
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  list.forEach((item: unknown, i: number) => {
    const at: Array<string | number> = typeof v === 'string' ? ['config'] : ['config', i];
    const path = guardedPath(item, configFile);
    if ('problem' in path) {
      add(at, path.problem);
      ok = false;
    } else if (out.includes(path.path)) {
      add(at, `${path.path} is listed twice`);
      ok = false;
    } else out.push(path.path);
  });
  return ok ? out : undefined;
}

/** One guarded path: absolute and normalised, or why it is refused. */
function guardedPath(item: unknown, configFile: string | null): { path: string } | { problem: string } {
  if (typeof item !== 'string' || item === '') return { problem: `expected a file path, found ${shown(item)}` };
  if (item.includes('\0')) return { problem: 'a file path cannot contain a NUL byte' };
  // `..` hides which file hb will overwrite (and can walk out of the directory it seems to name):
  // the user writes the path meant, so what is guarded is what is read.
  if (item.split('/').includes('..')) return { problem: `"${item}" contains a .. segment: write the file's path without .. (e.g. an absolute path)` };
  if (item.startsWith('~')) return { problem: `"${item}": hb does not expand ~; write the absolute path` };
  if (posix.isAbsolute(item)) return { path: stripSlash(posix.normalize(item)) };
  if (configFile === null || !posix.isAbsolute(configFile)) {
    return { problem: `"${item}" is relative, and relative paths resolve against the config file's directory: there is none here, so write an absolute path` };
  }
  return { path: stripSlash(posix.join(posix.dirname(configFile), item)) };
}

const stripSlash = (p: string): string => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);

function parseRestart(v: unknown, add: Add): string | string[] | null | undefined {
  if (v === undefined) return null;
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '')) return v as string[];
  add(['restart'], `expected a shell command string or a non-empty list of strings (a program and its arguments, run without a shell), found ${shown(v)}`);
  return undefined;
}

/** `3/1h` (at most 3 restarts within any hour); a bare number keeps the default window. */
function parseBudget(v: unknown, add: Add): { count: number; windowMs: number } | undefined {
  const hint = `expected COUNT/WINDOW such as 3/1h (COUNT 0 to ${MAX_RESTART_COUNT}, 0 = never restart; WINDOW up to ${formatDuration(MAX_WINDOW_MS)})`;
  const text = typeof v === 'number' ? `${v}/${formatDuration(RECOVER_DEFAULTS.maxRestarts.windowMs)}` : v;
  const m = typeof text === 'string' ? /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text) : null;
  if (!m) {
    add(['max_restarts'], `${hint}, found ${shown(v)}`);
    return undefined;
  }
  const count = Number(m[1]);
  const windowMs = parseDuration(m[2]!);
  if (windowMs === undefined) {
    add(['max_restarts'], `${hint}: ${durationHint(m[2]!)}`);
    return undefined;
  }
  if (count > MAX_RESTART_COUNT || windowMs <= 0 || windowMs > MAX_WINDOW_MS) {
    add(['max_restarts'], `${hint}, found ${shown(v)}`);
    return undefined;
  }
  return { count, windowMs };
}

function durationKey(raw: Record<string, unknown>, key: 'settle' | 'timeout', fallback: number, min: number, add: Add): number {
  const v = raw[key];
  if (v === undefined) return fallback;
  const ms = configDuration(v, min);
  if (ms === undefined) {
    const what = key === 'settle' ? 'how long to wait after a restart before checking health again' : 'the limit for the health check and the restart command';
    add([key], `expected a duration such as ${formatDuration(fallback)} (${what}), found ${shown(v)}`);
    return fallback;
  }
  return ms;
}
