// HTTP for the network sinks: one JSON request on global fetch with a timeout, bounded retries
// for failures that may pass (timeouts, refused or reset connections, 408, 429, 5xx), and error
// messages that name the sink and the status but never a secret.

import { visible } from '../../rules/visible.ts';
import { SinkError } from '../../rules/sinks/types.ts';
import type { SinkContext } from '../../rules/sinks/types.ts';
import { redactUrls, splitCredentials } from '../../rules/sinks/url-credentials.ts';

/** Answers are read up to this many bytes: enough for any API error or issue, bounded for a hostile server. */
const MAX_BODY = 64 * 1024;

/** Timings and transport a test (or the integrator) may inject; the defaults suit real services. */
export interface NetTuning {
  /** First wait between attempts, doubled after each (default 500 ms). */
  backoffMs?: number;
  /** Longest wait within one delivery, hb's own or a server's Retry-After (default 5 s). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

/** How many times to try again, and how long to wait in between. */
export interface RetryPolicy extends NetTuning {
  retries: number;
}

/** One request, described for error messages by its sink label and action, never by its URL. */
export interface RequestOptions extends RetryPolicy {
  /** The sink, e.g. `webhook hooks.example.net`. */
  label: string;
  /** What the call does, e.g. `create issue` (default: the method and host). */
  action?: string;
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON when given. */
  body?: unknown;
  timeoutMs: number;
  /** Strings never shown in a message: tokens, header values, secret URL paths. */
  secrets?: string[];
  /** Seconds a failed answer asks to wait, beyond the Retry-After header (Telegram puts it in the body). */
  waitHint?: (answer: HttpAnswer) => number | null;
}

/** An answer with its body read (at most 64 KiB; `truncated` says when more was sent). */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  truncated: boolean;
}

/** A failed request: a SinkError that also carries how long the server asked to wait, if it did. */
export class HttpError extends SinkError {
  readonly waitMs: number | null;
  constructor(message: string, retryable: boolean, status: number | null, waitMs: number | null = null) {
    super(message, retryable, status);
    this.name = 'SinkError';
    this.waitMs = waitMs;
  }
}

/** Sends one request, retrying retryable failures within the call; resolves with a 2xx answer. */
export function request(url: string, options: RequestOptions): Promise<HttpAnswer> {
  return withRetries(options, () => once(url, options));
}

/** POSTs `body` as JSON; see `request`. */
export function postJson(url: string, body: unknown, options: Omit<RequestOptions, 'body' | 'method'>): Promise<HttpAnswer> {
  return request(url, { ...options, method: 'POST', body });
}

/**
 * Runs `attempt` until it succeeds, fails for good, or `retries` more tries are spent; waits grow
 * from `backoffMs` and honour a server's wait up to `maxWaitMs`. A server asking for longer is
 * not waited for: the error stays retryable, so the next check tries again.
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
  const base = policy.backoffMs ?? 500;
  const cap = policy.maxWaitMs ?? 5000;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof SinkError) || !err.retryable) throw err;
      const asked = err instanceof HttpError ? err.waitMs : null;
      if (asked !== null && asked > cap) {
        throw new HttpError(`${err.message}; asked to wait ${Math.ceil(asked / 1000)} s, left for the next check`, true, err.status, asked);
      }
      if (tried > policy.retries) {
        throw tried === 1 ? err : new HttpError(`${err.message} (after ${tried} attempts)`, true, err.status, asked);
      }
      await sleep(Math.min(cap, Math.max(asked ?? 0, base * 2 ** (tried - 1))));
    }
  }
}

/** Parses an answer's JSON; garbage is a SinkError whose `retryable` the caller chooses. */
export function readJson(answer: HttpAnswer, what: string, retryable: boolean): unknown {
  try {
    if (!answer.truncated) return JSON.parse(answer.text);
  } catch {
    // reported below, with the same words as a truncated body
  }
  const size = answer.truncated ? 'more than 64 KiB' : `${Buffer.byteLength(answer.text)} bytes`;
  throw new SinkError(`${what}: HTTP ${answer.status} with a body that is not JSON (${size})`, retryable, answer.status);
}

/**
 * The token of a sink from `token_env` (an environment variable) or `token_file` (trimmed).
 * Missing, empty or malformed is a non-retryable SinkError naming the variable or file, never the value.
 */
export function readToken(options: Record<string, unknown>, ctx: SinkContext, label: string): string {
  let token: string;
  let source: string;
  if (typeof options.token_env === 'string') {
    source = `environment variable ${options.token_env}`;
    token = (ctx.env[options.token_env] ?? '').trim();
  } else if (typeof options.token_file === 'string') {
    source = `token_file ${options.token_file}`;
    try {
      token = ctx.readFile(options.token_file).trim();
    } catch (err) {
      // A file that is not one hb reads (a FIFO, a device, too big) says why; anything else by its code.
      const { code, reason } = err as NodeJS.ErrnoException & { reason?: string };
      throw new SinkError(`${label}: cannot read ${source}${reason ? `: ${reason}` : code ? ` (${code})` : ''}`, false);
    }
  } else {
    throw new SinkError(`${label}: no token_env or token_file configured`, false);
  }
  if (token === '') throw new SinkError(`${label}: ${source} is not set or empty`, false);
  // A token goes into a URL path or a header: whitespace or controls would break the request
  // and could echo the token in fetch's own error.
  if (/[\s\x00-\x1f\x7f/]/.test(token)) throw new SinkError(`${label}: the token in ${source} contains spaces, slashes or control characters`, false);
  return token;
}

/** `text` with every secret, any URL's password and any Telegram `/bot<token>` path segment replaced by `***`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = redactUrls(text);
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out.replace(/\/bot[^/\s?#]+/g, '/bot***');
}

async function once(href: string, o: RequestOptions): Promise<HttpAnswer> {
  const method = o.method ?? (o.body === undefined ? 'GET' : 'POST');
  // `user:pass@` in the URL is sent as Basic auth (fetch refuses a URL that holds it).
  const { url, authorization, secrets } = splitCredentials(href);
  const what = `${o.label}: ${o.action ?? `${method} ${hostOf(url)}`}`;
  const fail = (message: string, retryable: boolean, status: number | null = null, waitMs: number | null = null) =>
    new HttpError(redact(`${what}: ${message}`, [...(o.secrets ?? []), ...secrets]), retryable, status, waitMs);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), o.timeoutMs);
  try {
    let answer: HttpAnswer;
    try {
      // set() is case-insensitive: a user's `Content-Type` replaces the default instead of joining it.
      const headers = new Headers(o.body === undefined ? {} : { 'content-type': 'application/json' });
      if (authorization) headers.set('authorization', authorization);
      for (const [name, value] of Object.entries(o.headers ?? {})) headers.set(name, value);
      const init: RequestInit = { method, headers, signal: controller.signal, redirect: 'manual' };
      if (o.body !== undefined) init.body = JSON.stringify(o.body);
      const res = await (o.fetch ?? fetch)(url, init);
      answer = { status: res.status, headers: res.headers, ...(await readBounded(res)) };
    } catch (err) {
      if (controller.signal.aborted) throw fail(`no complete answer within ${o.timeoutMs} ms`, true);
      throw networkFailure(err, fail);
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    const detail = errorDetail(answer);
    const status = `HTTP ${answer.status}${detail ? ` (${detail})` : ''}`;
    if (answer.status >= 300 && answer.status < 400) throw fail(`${status}: a redirect, not followed; configure the final URL`, false, answer.status);
    const retryable = answer.status === 408 || answer.status === 429 || answer.status >= 500;
    const seconds = retryable ? (o.waitHint?.(answer) ?? retryAfter(answer.headers)) : null;
    throw fail(status, retryable, answer.status, seconds === null ? null : seconds * 1000);
  } finally {
    clearTimeout(timer);
  }
}

/** fetch rejects with a TypeError whose `cause` is the socket error; without a cause the request itself was bad. */
function networkFailure(err: unknown, fail: (message: string, retryable: boolean) => HttpError): HttpError {
  const cause = (err as { cause?: unknown }).cause as { code?: unknown; message?: unknown } | undefined;
  if (cause) {
    const code = typeof cause.code === 'string' ? cause.code : typeof cause.message === 'string' ? cause.message : 'network error';
    return fail(`connection failed (${code})`, true);
  }
  return fail(`request not sent: ${err instanceof Error ? err.message : String(err)}`, false);
}

async function readBounded(res: Response): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
    if (size + value.length > MAX_BODY) {
      chunks.push(value.subarray(0, MAX_BODY - size));
      await reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(value);
    size += value.length;
  }
}

/** A short reason from an error answer: `message` (GitHub, Gitea), `description` (Telegram), or plain text. */
function errorDetail(answer: HttpAnswer): string {
  let detail = '';
  try {
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    const said = body?.message ?? body?.description ?? body?.error;
    if (typeof said === 'string') detail = said;
  } catch {
    if (!/^\s*</.test(answer.text)) detail = answer.text;
  }
  // A server's words end up on hb's stderr (a cron mail, a terminal): its escape sequences stay inert.
  detail = visible(detail.replace(/\s+/g, ' ').trim());
  return detail.length > 200 ? `${detail.slice(0, 199)}…` : detail;
}

/** Retry-After in seconds; an HTTP date would need the clock, so it counts as absent. */
function retryAfter(headers: Headers): number | null {
  const value = headers.get('retry-after');
  return value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) : null;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}
