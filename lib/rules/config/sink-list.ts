// A list of sinks as `notify:` and each `escalate:` step write it, and key paths as users write them.

import { SINK_KINDS, isSinkKind, validateSink, type SinkConfig } from '../sinks/validate.ts';
import { isMap, typeName, type RawProblem, type Tree } from './tree.ts';

/** A key path as users write it: jobs.backup.notify[0]. */
export const pathText = (path: Array<string | number>) =>
  path
    .map((p) => (typeof p === 'number' ? `[${p}]` : p))
    .join('.')
    .replace(/\.\[/g, '[');

/** Validates the sinks listed at `at` (each named by its path, e.g. `escalate[0].notify[1]`), adding what is wrong to `problems`. */
export function parseSinks(value: unknown, at: Array<string | number>, problems: RawProblem[]): SinkConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push({ path: at, message: `expected a list of sinks (- command: …, - webhook: …), found ${typeName(value)}` });
    return [];
  }
  const out: SinkConfig[] = [];
  value.forEach((entry, i) => {
    const keys = isMap(entry) ? Object.keys(entry) : [];
    const [kind] = keys;
    if (keys.length !== 1 || kind === undefined || !isSinkKind(kind)) {
      problems.push({
        path: [...at, i],
        message: `expected a one-key map whose key is one of ${SINK_KINDS.join(', ')}, found ${isMap(entry) ? `keys ${keys.join(', ') || '(none)'}` : typeName(entry)}`,
      });
      return;
    }
    const { sink, problems: found } = validateSink(kind, (entry as Tree)[kind], pathText([...at, i]));
    for (const p of found) problems.push({ path: [...at, i, ...p.path], message: p.message });
    if (sink) out.push(sink);
  });
  return out;
}
