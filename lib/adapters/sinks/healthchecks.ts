// The `healthchecks` sink: mirrors a job's runs to a healthchecks.io-compatible ping URL, so the
// job is also watched from outside this host (a dead host or cron sends nothing, and that is
// what the remote service notices).

import { withRetries } from './http.ts';
import { splitCredentials } from '../../rules/sinks/url-credentials.ts';
import { inert } from '../../rules/visible.ts';
import { SinkError } from '../../rules/sinks/types.ts';
import type { Notification, Sink, SinkContext } from '../../rules/sinks/types.ts';
import type { SinkConfig } from '../../rules/sinks/validate.ts';

/** Healthchecks.io keeps 100 kB of a ping body, self-hosted instances 10 kB by default: stay within both. */
const MAX_BODY_BYTES = 10_000;
/** Healthchecks.io accepts only canonical lower-case UUIDs as run ids. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Builds a `healthchecks` sink from its validated `url` (the check's ping URL). */
export function createSink(config: SinkConfig, _ctx: SinkContext): Sink {
  const base = config.options.url as string;
  // The host only: the path holds the check's UUID or ping key, which anyone could ping with.
  const label = `healthchecks ${new URL(base).host}`;
  return {
    kind: 'healthchecks',
    label,
    async deliver(n: Notification): Promise<void> {
      const ping = pingRequest(base, n);
      if (!ping) return;
      await postPing(ping, config, `${label} ${ping.suffix ? `${ping.suffix} ping` : 'success ping'}`);
    },
  };
}

/** One ping to send: the URL to POST to, the path suffix it took (`/start`, `/fail`, `` for success) and the body. */
export interface PingRequest {
  href: string;
  suffix: string;
  body: string;
}

/** The ping a notification makes of the check at `base` (its ping URL), or null: nothing to say to the service. */
export function pingRequest(base: string, n: Notification): PingRequest | null {
  const ping = pingFor(n);
  if (!ping) return null;
  // Through URL, so a query the user wrote (slug URLs take ?create=1) stays after the suffix.
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/+$/, '') + ping.suffix;
  if (ping.rid) url.searchParams.set('rid', ping.rid);
  // The body is shown in the service's web page: bidi and zero-width characters written out.
  return { href: url.href, suffix: ping.suffix, body: bounded(inert(ping.body)) };
}

/** Which endpoint a notification maps to, with what body. Null: nothing to say to this service. */
function pingFor(n: Notification): { suffix: string; body: string; rid: string | null } | null {
  const runId = n.run?.run_id?.toLowerCase();
  const rid = runId && UUID.test(runId) ? runId : null;
  const tail = n.run?.output_tail ?? '';
  switch (n.type) {
    case 'run_start':
      return { suffix: '/start', body: '', rid };
    case 'run_end': {
      const code = n.run?.exit_code;
      // hb's judgement, not the exit code alone, says whether the run failed: an empty backup
      // that exited 0 fails, an exit code of ok_codes succeeds. /<code> rather than /fail: the
      // service then shows the exit status itself.
      // A notification without an outcome (from an older hb's outbox) has its exit code alone.
      const failed = n.run?.outcome !== undefined ? n.problem : code !== 0;
      const suffix = !failed ? '' : typeof code === 'number' && code >= 1 && code <= 255 ? `/${code}` : '/fail';
      return { suffix, body: tail || n.message, rid };
    }
    case 'alert':
      return { suffix: '/fail', body: tail ? `${n.message}\n\n${tail}` : n.message, rid: null };
    case 'resolve':
      return { suffix: '', body: n.message, rid: null };
    case 'remind':
    case 'escalate':
    case 'late':
    case 'message':
      // /log records an event without changing the check's state.
      return { suffix: '/log', body: n.message, rid: null };
    default:
      return null;
  }
}

/** The last MAX_BODY_BYTES of the text (the end of an output tail is what explains a failure). */
function bounded(text: string): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= MAX_BODY_BYTES) return text;
  let start = bytes.length - MAX_BODY_BYTES;
  // Do not start inside a UTF-8 character.
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}

/**
 * POSTs the ping with a timeout per attempt; http.ts's withRetries retries timeouts, connection
 * errors, 408, 429 and 5xx up to `tuning.retries` times. The first backoff follows the timeout (a
 * quarter of it, at most 1 s) so a ping's worst case stays near (retries + 1) × timeout and tests
 * with tiny timeouts wait tiny backoffs. Not http.ts's request(): it sends JSON, a ping sends text.
 * Rejects with a SinkError whose message starts with `what: `.
 */
export function postPing(ping: PingRequest, tuning: { timeoutMs: number; retries: number }, what: string): Promise<void> {
  const backoffMs = Math.min(1000, Math.max(10, Math.floor(tuning.timeoutMs / 4)));
  return withRetries({ retries: tuning.retries, backoffMs }, () => attemptPost(ping.href, ping.body, tuning.timeoutMs, what));
}

/** One request; resolves once a 2xx answer is read, else throws a SinkError saying why. */
async function attemptPost(href: string, body: string, timeoutMs: number, what: string): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  // `user:pass@` in the ping URL is sent as Basic auth (fetch refuses a URL that holds it).
  const { url, authorization } = splitCredentials(href);
  let status: number;
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': 'hb', ...(authorization ? { authorization } : {}) },
      signal: controller.signal,
    });
    // Read the short "OK" so the connection is released, within the same timeout.
    await res.arrayBuffer();
    status = res.status;
  } catch (e) {
    if (controller.signal.aborted) throw new SinkError(`${what}: no answer within ${timeoutMs} ms`, true);
    // fetch wraps the socket error ("ECONNREFUSED …") in a generic "fetch failed".
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : String(e);
    throw new SinkError(`${what}: could not connect (${cause})`, true);
  } finally {
    clearTimeout(timer);
  }
  if (status >= 200 && status < 300) return;
  throw new SinkError(`${what}: expected a 2xx answer, got HTTP ${status}`, status === 408 || status === 429 || status >= 500, status);
}
