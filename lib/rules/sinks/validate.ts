// Validation of `notify:` sinks, without loading any sink's code: config checks stay cheap.

import { ABOVE_ZERO, configDuration, durationHint } from '../duration.ts';
import { credentialProblem, hasCredentials, redactUrls } from './url-credentials.ts';

/** A validated sink: its kind, its options as written, and the common delivery settings. */
export interface SinkConfig {
  kind: string;
  /** `notify[0]` or `jobs.backup.notify[1]`: where it was configured (used in labels and outbox keys). */
  where: string;
  options: Record<string, unknown>;
  timeoutMs: number;
  retries: number;
  /** Which notification types it receives; null = its kind's default. */
  on: string[] | null;
}

/** A problem at a key path below the sink. */
export interface SinkProblem {
  path: Array<string | number>;
  message: string;
}

/** Sink kinds of SPEC §5; each is a one-key map. */
export const SINK_KINDS = ['command', 'webhook', 'telegram', 'gitea', 'github', 'healthchecks', 'email'] as const;
/** One of SINK_KINDS. */
export type SinkKind = (typeof SINK_KINDS)[number];

/** Whether `key` names a sink kind. */
export function isSinkKind(key: string): key is SinkKind {
  return (SINK_KINDS as readonly string[]).includes(key);
}

const NOTIFICATION_TYPES = ['alert', 'remind', 'resolve', 'message', 'run_start', 'run_end', 'escalate', 'late'];
/** What a sink of an `escalate:` step can receive: its step's escalation, and the resolve of an incident it heard of. */
const ESCALATION_TYPES = ['escalate', 'resolve'];

/** Whether a sink is one of an `escalate:` step (its `where` is `escalate[0].notify[1]` or `jobs.backup.escalate[0].notify[1]`). */
export const isEscalationSink = (where: string): boolean => /(?:^|\.)escalate\[\d+\]\.notify\[\d+\]$/.test(where);
const COMMON = ['timeout', 'retries', 'on'];
const SECRET = ['token_env', 'token_file'];
const KEYS: Record<SinkKind, string[]> = {
  command: ['run', ...COMMON],
  webhook: ['url', 'headers', ...COMMON],
  telegram: ['chat_id', 'api_url', ...SECRET, ...COMMON],
  github: ['repo', 'api_url', 'labels', ...SECRET, ...COMMON],
  gitea: ['url', 'repo', 'labels', ...SECRET, ...COMMON],
  healthchecks: ['url', ...COMMON],
  email: ['to', 'from', 'sendmail', ...COMMON],
};
/** The key a kind's short form (`- webhook: URL`) stands for. */
const SHORT: Record<string, string> = { command: 'run', webhook: 'url', healthchecks: 'url', email: 'to' };
const REQUIRED: Record<SinkKind, string[]> = {
  command: ['run'],
  webhook: ['url'],
  telegram: ['chat_id'],
  github: ['repo'],
  gitea: ['url', 'repo'],
  healthchecks: ['url'],
  email: ['to'],
};

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates one sink entry `{kind: value}`; `where` names it in messages. */
export function validateSink(kind: SinkKind, value: unknown, where: string): { sink: SinkConfig | null; problems: SinkProblem[] } {
  const problems: SinkProblem[] = [];
  const at = (key?: string) => (key ? [kind, key] : [kind]);
  let options: Record<string, unknown>;
  if (isMap(value)) options = { ...value };
  else if (SHORT[kind] && (typeof value === 'string' || (kind !== 'webhook' && Array.isArray(value)))) options = { [SHORT[kind]]: value };
  else {
    const short = SHORT[kind] ? `a ${SHORT[kind]} or ` : '';
    problems.push({ path: at(), message: `expected ${short}a map of ${KEYS[kind].join(', ')}` });
    return { sink: null, problems };
  }
  for (const key of Object.keys(options)) {
    if (key === 'token')
      problems.push({ path: at(key), message: 'a token is never written in the config: use token_env (an environment variable) or token_file' });
    else if (!KEYS[kind].includes(key)) problems.push({ path: at(key), message: `unknown key "${key}" (expected one of ${KEYS[kind].join(', ')})` });
  }
  for (const key of REQUIRED[kind]) if (options[key] === undefined || options[key] === '') problems.push({ path: at(key), message: `${key} is required` });
  if (SECRET.some((k) => KEYS[kind].includes(k))) {
    const given = SECRET.filter((k) => options[k] !== undefined);
    if (given.length !== 1) problems.push({ path: at(), message: `exactly one of token_env or token_file is required${given.length ? `, found both` : ''}` });
    for (const k of given)
      if (typeof options[k] !== 'string' || options[k] === '') problems.push({ path: at(k), message: 'expected a variable name or a file path' });
  }
  for (const key of ['url', 'api_url']) {
    const value = options[key];
    if (value === undefined) continue;
    // A URL is shown with its password as ***, here as everywhere.
    const shown = typeof value === 'string' ? JSON.stringify(redactUrls(value)) : JSON.stringify(value);
    if (!isHttpUrl(value)) problems.push({ path: at(key), message: `expected an http:// or https:// URL, found ${shown}` });
    else if (hasCredentials(value as string)) {
      const why = urlCredentialsProblem(kind, value as string, options);
      if (why) problems.push({ path: at(key), message: `${why}, found ${shown}` });
    }
  }
  const checks: Record<string, (v: unknown) => string | null> = {
    run: (v) =>
      typeof v === 'string' && v.trim()
        ? null
        : Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')
          ? null
          : 'expected a shell command or a list of strings',
    headers: (v) => (isMap(v) && Object.values(v).every((x) => typeof x === 'string') ? null : 'expected a map of header names to strings'),
    chat_id: (v) => (typeof v === 'string' || Number.isInteger(v) ? null : 'expected a chat id such as "12345" or "@channel"'),
    repo: (v) => (typeof v === 'string' && /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(v) ? null : 'expected owner/name, e.g. org/ops'),
    labels: (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? null : 'expected a list of label names'),
    to: (v) => (emails(v) ? null : 'expected an address or a list of addresses'),
    from: (v) => (typeof v === 'string' && emails(v) ? null : 'expected an address'),
    sendmail: (v) => (typeof v === 'string' && v.startsWith('/') ? null : 'expected an absolute path to a sendmail program'),
    retries: (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 10 ? null : 'expected a whole number from 0 to 10'),
    on: (v) =>
      Array.isArray(v) && v.length > 0 && v.every((x) => NOTIFICATION_TYPES.includes(x as string))
        ? null
        : `expected a list of ${NOTIFICATION_TYPES.join(', ')}`,
  };
  for (const [key, check] of Object.entries(checks)) {
    if (options[key] === undefined || !KEYS[kind].includes(key)) continue;
    const why = check(options[key]);
    if (why) problems.push({ path: at(key), message: `${why}, found ${JSON.stringify(options[key])}` });
  }
  if (Array.isArray(options.on) && !problems.some((p) => p.path[1] === 'on')) {
    const why = onProblem(options.on as string[], where);
    if (why) problems.push({ path: at('on'), message: `${why}, found ${JSON.stringify(options.on)}` });
  }
  let timeoutMs = 10_000;
  if (options.timeout !== undefined) {
    const ms = configDuration(options.timeout, ABOVE_ZERO);
    if (ms === undefined)
      problems.push({
        path: at('timeout'),
        message:
          typeof options.timeout === 'string' ? durationHint(options.timeout) : `expected a duration such as 10s, found ${JSON.stringify(options.timeout)}`,
      });
    else timeoutMs = ms;
  }
  if (problems.length > 0) return { sink: null, problems };
  return {
    sink: { kind, where, options, timeoutMs, retries: (options.retries as number | undefined) ?? 2, on: (options.on as string[] | undefined) ?? null },
    problems,
  };
}

/** Why an `on:` list cannot be kept where the sink is: escalations reach the sinks of an `escalate:` step only, and those nothing but. */
function onProblem(on: string[], where: string): string | null {
  if (isEscalationSink(where)) {
    const other = on.filter((t) => !ESCALATION_TYPES.includes(t));
    return other.length ? `a sink of an escalate: step receives escalate and resolve only (alerts, reminders and the rest go to the job's own sinks)` : null;
  }
  return on.includes('escalate') ? 'escalate notifications go to the sinks of an escalate: step only: list this sink under escalate: […].notify' : null;
}

/**
 * Why `user:pass@` in a sink's URL cannot be used, or null: it is sent as Basic auth, which a
 * tracker's own token header would replace, and which a configured Authorization header would clash with.
 */
function urlCredentialsProblem(kind: string, url: string, options: Record<string, unknown>): string | null {
  if (kind === 'github' || kind === 'gitea') {
    return `credentials in the URL cannot be used: the ${kind} sink authenticates with its token (token_env or token_file); remove user:password@ from the URL`;
  }
  const headers = isMap(options.headers) ? Object.keys(options.headers) : [];
  if (headers.some((h) => h.toLowerCase() === 'authorization')) {
    return 'credentials in the URL and an Authorization header: keep one (user:password@ in the URL is sent as Basic auth)';
  }
  return credentialProblem(url);
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function emails(v: unknown): boolean {
  const list = Array.isArray(v) ? v : [v];
  return list.length > 0 && list.every((x) => typeof x === 'string' && /^[^\s@<>]+@[^\s@<>]+$/.test(x));
}

/** Which notification types a sink receives unless its `on:` says otherwise. */
export function receives(config: SinkConfig, type: string): boolean {
  if (config.on) return config.on.includes(type);
  if (isEscalationSink(config.where)) return ESCALATION_TYPES.includes(type);
  if (config.kind === 'healthchecks') return type === 'run_start' || type === 'run_end';
  return type === 'alert' || type === 'remind' || type === 'resolve' || type === 'message';
}
