// Validation of a job's `expect:` list (docs/configuration.md "Outcome rules") into ExpectRules,
// every problem with its key path below `expect`. Pure.

import { ABOVE_ZERO, configDuration, durationHint } from '../duration.ts';
import { DEFAULT_VERIFY_TIMEOUT_MS } from '../outcome/expect.ts';
import { globProblem } from '../outcome/glob.ts';
import type { ExpectRule } from '../outcome/rules.ts';
import { RATIO_HINT, SIZE_HINT, parseRatio, parseSize } from '../outcome/size.ts';
import { isMap, typeName, type RawProblem } from './tree.ts';

const KEYS = ['path', 'fresh', 'min_size', 'min_ratio', 'verify', 'verify_timeout'];

/** The `expect:` entries of a job, each with its defaults (fresh: true); null when the list is not one. */
export function parseExpect(raw: unknown): { rules: ExpectRule[] | null; problems: RawProblem[] } {
  const problems: RawProblem[] = [];
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push({ path: [], message: `expected a list of artifacts (- path: /var/backups/db.sql.gz), found ${typeName(raw)}` });
    return { rules: null, problems };
  }
  const rules: ExpectRule[] = [];
  raw.forEach((entry, i) => {
    const rule = parseEntry(entry, i, problems);
    if (rule) rules.push(rule);
  });
  return { rules: problems.length === 0 ? rules : null, problems };
}

function parseEntry(entry: unknown, i: number, problems: RawProblem[]): ExpectRule | null {
  // A bare path is the common case: `- /var/backups/db.sql.gz`.
  const body = typeof entry === 'string' ? { path: entry } : entry;
  if (!isMap(body)) {
    problems.push({ path: [i], message: `expected a path or a map with path and the checks (${KEYS.join(', ')}), found ${typeName(entry)}` });
    return null;
  }
  const before = problems.length;
  for (const key of Object.keys(body)) {
    if (!KEYS.includes(key)) problems.push({ path: [i, key], atKey: true, message: `unknown key "${key}" (expected one of ${KEYS.join(', ')})` });
  }
  const at = typeof entry === 'string' ? [i] : [i, 'path'];
  const path = body.path;
  if (typeof path !== 'string') {
    problems.push({
      path: path === undefined ? [i] : at,
      message: `expected path: an absolute file path or glob such as /var/backups/db-*.sql.gz, found ${typeName(path)}`,
    });
  } else {
    const problem = globProblem(path);
    if (problem) problems.push({ path: at, message: problem });
  }
  const rule: ExpectRule = { path: typeof path === 'string' ? path : '', fresh: true };
  if (body.fresh !== undefined) {
    if (typeof body.fresh === 'boolean') rule.fresh = body.fresh;
    else problems.push({ path: [i, 'fresh'], message: `expected true or false (must the file be written by this run), found ${typeName(body.fresh)}` });
  }
  if (body.min_size !== undefined) {
    const bytes = parseSize(body.min_size);
    if (bytes === undefined) problems.push({ path: [i, 'min_size'], message: `${SIZE_HINT}, found ${typeName(body.min_size)}` });
    else rule.minBytes = bytes;
  }
  if (body.min_ratio !== undefined) {
    const ratio = parseRatio(body.min_ratio);
    if (ratio === undefined) problems.push({ path: [i, 'min_ratio'], message: `${RATIO_HINT}, found ${typeName(body.min_ratio)}` });
    else rule.minRatio = ratio;
  }
  if (body.verify !== undefined) {
    const v = body.verify;
    const list = Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') && v[0] !== '';
    if ((typeof v === 'string' && v.trim() !== '') || list) rule.verify = v;
    else problems.push({ path: [i, 'verify'], message: `expected a command such as "gzip -t {}" or a list such as [gzip, -t, "{}"], found ${typeName(v)}` });
  }
  if (body.verify_timeout !== undefined) {
    const ms = configDuration(body.verify_timeout, ABOVE_ZERO);
    if (ms === undefined) {
      const v = body.verify_timeout;
      problems.push({ path: [i, 'verify_timeout'], message: typeof v === 'string' ? durationHint(v) : `expected a duration such as 5m, found ${typeName(v)}` });
    } else rule.verifyTimeoutMs = ms;
  } else if (rule.verify !== undefined) rule.verifyTimeoutMs = DEFAULT_VERIFY_TIMEOUT_MS;
  return problems.length === before ? rule : null;
}
