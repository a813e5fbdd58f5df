// Prometheus's HTTP API, read with node's http(s): instant queries with a deadline, basic auth
// from the URL's userinfo, and errors that say what was expected and what was found. The URL's
// password never appears in a message.

import { HbError } from '../../rules/errors.ts';
import { AnswerError, readAnswer } from '../../rules/fleet/answer.ts';
import type { Answer } from '../../rules/fleet/types.ts';
import { splitCredentials } from '../../rules/sinks/url-credentials.ts';

/** Where Prometheus is: its base URL without credentials, the Authorization header, the deadline. */
export interface PrometheusEndpoint {
  /** The base URL as written, userinfo removed (shown in messages and in the JSON). */
  shown: string;
  base: URL;
  authorization: string | null;
  timeoutMs: number;
}

/** The most an answer may weigh: a fleet's hb series are far below it, a wrong URL may not be. */
const MAX_BODY_BYTES = 256 << 20;

/** The endpoint of `--prometheus URL` (an http or https URL, checked by the option parser). */
export function prometheusEndpoint(url: string, timeoutMs: number): PrometheusEndpoint {
  const { url: withoutCredentials, authorization } = splitCredentials(url);
  const base = new URL(withoutCredentials);
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return { shown: base.href.replace(/\/$/, ''), base, authorization, timeoutMs };
}

/** An instant query's answer at `timeS` (seconds; Prometheus's now when undefined). */
export async function instantQuery(ep: PrometheusEndpoint, promql: string, timeS?: number): Promise<Answer> {
  const url = new URL('api/v1/query', ep.base);
  url.searchParams.set('query', promql);
  if (timeS !== undefined) url.searchParams.set('time', String(timeS));
  const { status, body } = await get(ep, url);
  const where = `--prometheus ${ep.shown}`;
  try {
    const answer = readAnswer(body);
    if (status !== 200) throw new AnswerError(`HTTP ${status}`);
    return answer;
  } catch (e) {
    if (!(e instanceof AnswerError)) throw e;
    // A non-200 answer with Prometheus's own error text says that text; anything else says the status.
    const said = status === 200 || e.message.startsWith('Prometheus says') ? e.message : `expected HTTP 200 from ${url.pathname}, found HTTP ${status}`;
    throw new HbError(`${where}: ${said}${status === 200 ? '' : status === 401 || status === 403 ? ' (check the user and password in the URL)' : ''}`, 2);
  }
}

/** GET `url`: the status and the body as text, within the endpoint's deadline. */
async function get(ep: PrometheusEndpoint, url: URL): Promise<{ status: number; body: string }> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const where = `--prometheus ${ep.shown}`;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (ep.authorization) headers.authorization = ep.authorization;
    const req = request(url, { method: 'GET', headers });
    const timer = setTimeout(
      () => req.destroy(new HbError(`${where}: no answer within ${ep.timeoutMs / 1000}s (raise --timeout, or check the URL)`, 2)),
      ep.timeoutMs,
    );
    const fail = (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e instanceof HbError ? e : new HbError(`${where}: ${networkError(e)}`, 2));
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (b: Buffer) => {
        size += b.length;
        if (size > MAX_BODY_BYTES) req.destroy(new HbError(`${where}: the answer is larger than ${MAX_BODY_BYTES >> 20} MiB; is this Prometheus?`, 2));
        else chunks.push(b);
      });
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end();
  });
}

/** A network error as a person reads it. */
function networkError(e: NodeJS.ErrnoException): string {
  if (e.code === 'ECONNREFUSED') return 'connection refused (is Prometheus listening there?)';
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `cannot resolve the host name (${e.code})`;
  if (e.code === 'ECONNRESET') return 'the connection was closed before an answer came';
  return e.code ? `${e.code}: ${e.message}` : e.message;
}
