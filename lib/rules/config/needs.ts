// Validation of a job's `needs:` list: other jobs (`job:dump`) and preconditions probed at check
// time (`mount:`, `path:`, `tcp:`, `command:`), each as `kind:value` or a one-key map.

import { configDuration, durationHint } from '../duration.ts';
import { validateJobName } from '../job-name.ts';
import type { Need } from '../needs/types.ts';
import { isMap, typeName, type RawProblem } from './tree.ts';

/** The kinds of need, as written before the colon. */
export const NEED_KINDS = ['job', 'mount', 'path', 'tcp', 'command'] as const;
/** How long a `command:` precondition may run when it gives no timeout. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
/** The longest timeout a `command:` precondition may ask for: a check must not wait longer. */
export const MAX_COMMAND_TIMEOUT_MS = 60_000;

const FORMS = 'job:NAME, mount:/PATH, path:/PATH, tcp:HOST:PORT or command:COMMAND (or a one-key map such as {job: dump})';

/** Validates `needs:` as written under the job `self`; problems' paths are below the key. */
export function parseNeeds(value: unknown, self?: string): { needs: Need[] | undefined; problems: RawProblem[] } {
  const problems: RawProblem[] = [];
  if (!Array.isArray(value)) {
    return { needs: undefined, problems: [{ path: [], message: `expected a list of needs (${FORMS}), found ${typeName(value)}` }] };
  }
  const needs: Need[] = [];
  const seen = new Set<string>();
  value.forEach((entry, i) => {
    const parsed = parseEntry(entry);
    if (typeof parsed === 'string') {
      problems.push({ path: [i], message: parsed });
      return;
    }
    if (parsed.kind === 'job' && parsed.job === self) {
      problems.push({ path: [i], message: `job ${self} needs itself (expected another job's name)` });
      return;
    }
    if (seen.has(parsed.text)) {
      problems.push({ path: [i], message: `${parsed.text} is listed twice (expected each need once)` });
      return;
    }
    seen.add(parsed.text);
    needs.push(parsed);
  });
  return { needs: problems.length === 0 ? needs : undefined, problems };
}

/** One entry: the need, or what is wrong with it. */
function parseEntry(entry: unknown): Need | string {
  if (typeof entry === 'string') {
    const colon = entry.indexOf(':');
    const kind = colon < 0 ? '' : entry.slice(0, colon).trim();
    if (!(NEED_KINDS as readonly string[]).includes(kind)) return `expected ${FORMS}, found ${typeName(entry)}`;
    return needOf(kind, entry.slice(colon + 1).trim(), undefined);
  }
  if (isMap(entry)) {
    const keys = Object.keys(entry);
    const kind = keys.find((k) => (NEED_KINDS as readonly string[]).includes(k));
    const extra = keys.filter((k) => k !== kind && !(kind === 'command' && k === 'timeout'));
    if (kind === undefined || extra.length > 0) {
      return `expected a one-key map whose key is one of ${NEED_KINDS.join(', ')} (command may add timeout), found keys ${keys.join(', ') || '(none)'}`;
    }
    const v = entry[kind];
    if (typeof v !== 'string' && !(kind === 'tcp' && typeof v === 'number')) return `expected ${kind}: to be text, found ${typeName(v)}`;
    return needOf(kind, String(v).trim(), entry.timeout);
  }
  return `expected ${FORMS}, found ${typeName(entry)}`;
}

function needOf(kind: string, value: string, timeout: unknown): Need | string {
  const text = `${kind}:${value}`;
  switch (kind) {
    case 'job': {
      const wrong = validateJobName(value);
      return wrong ? `job: ${wrong}` : { kind, job: value, text };
    }
    case 'mount':
    case 'path':
      if (!value.startsWith('/')) return `expected ${kind}: to be an absolute path (e.g. /mnt/backup), found "${value}"`;
      return { kind, path: value, text };
    case 'tcp': {
      const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(value);
      const port = m ? Number(m[3]) : 0;
      if (!m || port < 1 || port > 65535)
        return `expected tcp: to be HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:5432, [::1]:5432), found "${value}"`;
      return { kind, host: (m[1] ?? m[2])!, port, text };
    }
    case 'command': {
      if (value === '') return 'expected command: to be a shell command (e.g. pg_isready -q), found an empty one';
      let timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS;
      if (timeout !== undefined) {
        const ms = configDuration(timeout, 1);
        if (ms === undefined || ms > MAX_COMMAND_TIMEOUT_MS) {
          const found = typeof timeout === 'string' && ms === undefined ? durationHint(timeout) : typeName(timeout);
          return `expected timeout: to be a duration from 1ms to 60s (how long the command may run), found ${found}`;
        }
        timeoutMs = ms;
      }
      return { kind, command: value, timeoutMs, text };
    }
  }
  return `expected ${FORMS}, found "${text}"`;
}
