// The Telegram sink: Bot API sendMessage with parse_mode HTML, bounded to one message.

import { escapeHtml } from '../../rules/sinks/escape.ts';
import { inert } from '../../rules/visible.ts';
import { readToken, request } from './http.ts';
import type { HttpAnswer, NetTuning } from './http.ts';
import type { Notification, Sink, SinkContext } from '../../rules/sinks/types.ts';
import type { SinkConfig } from '../../rules/sinks/validate.ts';

/** Telegram refuses longer texts; we bound the HTML we send, which is never shorter than what Telegram counts. */
const LIMIT = 4096;
/** The title and message keep at most this much, so the output tail always has room. */
const HEAD = 1536;
/** The cause line keeps at most this much (title, message, cause and facts stay under half the limit). */
const CAUSE = 512;
/** Shown where text was cut. */
const MARKER = '…';

/** A Telegram sink for `{chat_id, api_url, token_env|token_file}`; `net` lets tests shorten backoff. */
export function createSink(config: SinkConfig, ctx: SinkContext, net: NetTuning = {}): Sink {
  const api = String(config.options.api_url ?? 'https://api.telegram.org').replace(/\/+$/, '');
  const chatId = config.options.chat_id as string | number;
  const label = `telegram ${chatId}`;
  return {
    kind: 'telegram',
    label,
    async deliver(n: Notification): Promise<void> {
      // Read at delivery, not at creation: a missing token is then a delivery failure the
      // outbox records, and a rotated token file is picked up by the next check.
      const token = readToken(config.options, ctx, label);
      await request(`${api}/bot${token}/sendMessage`, {
        ...net,
        label,
        action: 'sendMessage',
        method: 'POST',
        body: { chat_id: chatId, text: renderHtml(n), parse_mode: 'HTML', disable_web_page_preview: true },
        headers: { 'user-agent': 'hb' },
        timeoutMs: config.timeoutMs,
        retries: config.retries,
        secrets: [token],
        waitHint: floodWait,
      });
    },
  };
}

/** Title in bold, the message, the cause line, one line of facts, then the end of the output in a <pre> block. */
function renderHtml(n: Notification): string {
  // The outcome when the exit does not say it: `exit 0 · suspicious`.
  const outcome = n.run?.outcome && n.run.outcome !== 'ok' ? n.run.outcome : '';
  const facts = [n.host, n.run?.exit_code != null ? `exit ${n.run.exit_code}` : '', n.run?.signal ? `signal ${n.run.signal}` : '', outcome]
    .filter(Boolean)
    .join(' · ');
  const head = [
    `<b>${fitEscaped(n.title, 256, 'start')}</b>`,
    fitEscaped(n.message, HEAD, 'start'),
    n.cause ? fitEscaped(n.cause, CAUSE, 'start') : '',
    facts ? `<i>${fitEscaped(facts, 256, 'start')}</i>` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const tail = n.type === 'resolve' ? '' : (n.run?.output_tail ?? '').replace(/\s+$/, '');
  if (!tail) return head;
  return `${head}\n<pre>${fitEscaped(tail, LIMIT - head.length - '\n<pre></pre>'.length, 'end')}</pre>`;
}

/**
 * `text` escaped in at most `room` UTF-16 units, keeping its start or its end: whole characters
 * and whole entities only, with a marker where it was cut. Escaping can quadruple a text, so the
 * bound is taken after escaping.
 */
function fitEscaped(raw: string, room: number, keep: 'start' | 'end'): string {
  // Bidi and zero-width characters from a job are written out before anything is measured.
  const text = inert(raw);
  const escaped = escapeHtml(text);
  if (escaped.length <= room) return escaped;
  const chars = Array.from(text);
  if (keep === 'end') chars.reverse();
  const kept: string[] = [];
  let used = MARKER.length;
  for (const char of chars) {
    const piece = escapeHtml(char);
    if (used + piece.length > room) break;
    kept.push(piece);
    used += piece.length;
  }
  return keep === 'end' ? MARKER + kept.reverse().join('') : kept.join('') + MARKER;
}

/** Telegram's 429 answers say how long to wait in `parameters.retry_after`. */
function floodWait(answer: HttpAnswer): number | null {
  try {
    const wait = (JSON.parse(answer.text) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
    return typeof wait === 'number' && wait >= 0 ? wait : null;
  } catch {
    return null;
  }
}
