// Validation of `escalate:` steps, global or under a job.

import { ABOVE_ZERO, configDuration, durationHint, formatDuration } from '../duration.ts';
import type { EscalationStep } from '../escalate/types.ts';
import { parseSinks } from './sink-list.ts';
import { isMap, typeName, type RawProblem } from './tree.ts';

const STEP_KEYS = ['after', 'notify'];

/** Validates an `escalate:` list; `where` names it in sink labels (`escalate` or `jobs.backup.escalate`); problems' paths are below the key. */
export function parseEscalate(value: unknown, where: string): { steps: EscalationStep[] | undefined; problems: RawProblem[] } {
  const problems: RawProblem[] = [];
  if (!Array.isArray(value) || value.length === 0) {
    const found = Array.isArray(value) ? 'an empty list' : typeName(value);
    problems.push({ path: [], message: `expected a list of steps such as - {after: 30m, notify: [- webhook: URL]}, found ${found}` });
    return { steps: undefined, problems };
  }
  const steps: EscalationStep[] = [];
  let previous: number | undefined;
  value.forEach((entry, i) => {
    if (!isMap(entry)) {
      problems.push({ path: [i], message: `expected a map with after and notify, found ${typeName(entry)}` });
      return;
    }
    for (const key of Object.keys(entry))
      if (!STEP_KEYS.includes(key))
        problems.push({ path: [i, key], atKey: true, message: `unknown key "${key}" in an escalation step (expected after, notify)` });
    const afterMs = after(entry.after, i, problems);
    if (afterMs !== undefined && previous !== undefined && afterMs <= previous)
      problems.push({
        path: [i, 'after'],
        message: `expected a longer time than the step before (${formatDuration(previous)}): steps go in order, found ${formatDuration(afterMs)}`,
      });
    if (afterMs !== undefined) previous = afterMs;
    const found: RawProblem[] = [];
    const notify = parseSinks(entry.notify, [where, i, 'notify'], found);
    // parseSinks names paths from `where`; problems here are below the key.
    for (const p of found) problems.push({ ...p, path: p.path.slice(1) });
    if (entry.notify === undefined || entry.notify === null) problems.push({ path: [i], message: 'notify is required: the sinks this step reaches' });
    else if (Array.isArray(entry.notify) && entry.notify.length === 0)
      problems.push({ path: [i, 'notify'], message: 'expected at least one sink (- webhook: URL, - email: ADDRESS …), found an empty list' });
    if (afterMs !== undefined && found.length === 0) steps.push({ afterMs, notify });
  });
  return problems.length > 0 ? { steps: undefined, problems } : { steps, problems };
}

function after(value: unknown, i: number, problems: RawProblem[]): number | undefined {
  if (value === undefined) {
    problems.push({ path: [i], message: 'after is required: how long an incident stays open before this step (e.g. after: 30m)' });
    return undefined;
  }
  const ms = configDuration(value, ABOVE_ZERO);
  if (ms === undefined)
    problems.push({
      path: [i, 'after'],
      message: typeof value === 'string' ? durationHint(value) : `expected a duration longer than 0 such as 30m, found ${typeName(value)}`,
    });
  return ms;
}
