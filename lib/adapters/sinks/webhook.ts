// The webhook sink: POSTs the notification, as is, as JSON; any 2xx is delivered.

import { postJson } from './http.ts';
import type { NetTuning } from './http.ts';
import type { Notification, Sink, SinkContext } from '../../rules/sinks/types.ts';
import type { SinkConfig } from '../../rules/sinks/validate.ts';
import { inert } from '../../rules/visible.ts';

/** A webhook sink for `{url, headers}`; `net` lets tests shorten backoff. */
export function createSink(config: SinkConfig, _ctx: SinkContext, net: NetTuning = {}): Sink {
  const url = String(config.options.url);
  const target = new URL(url);
  const extra = (config.options.headers ?? {}) as Record<string, string>;
  // The path and query of a webhook URL often are the credential (chat hooks), so messages
  // name the host only and anything else of the URL is redacted if a lower layer echoes it.
  const hidden = `${target.pathname}${target.search}`;
  // A header value and its credential part (`Bearer <token>`) stay hidden even when echoed alone.
  const credentials = Object.values(extra).flatMap((value) => [value, value.replace(/^\S+\s+/, '')]);
  const secrets = [...credentials, ...(hidden.length > 1 ? [hidden] : []), target.password].filter(Boolean);
  const label = `webhook ${target.host}`;
  return {
    kind: 'webhook',
    label,
    async deliver(n: Notification): Promise<void> {
      await postJson(url, readable(n), {
        ...net,
        label,
        action: `POST ${target.host}`,
        headers: { 'user-agent': 'hb', ...extra },
        timeoutMs: config.timeoutMs,
        retries: config.retries,
        secrets,
      });
    },
  };
}

/**
 * The notification with its text fields (title, message, cause line, output tail) as a person may read them
 * in a chat a webhook feeds: bidi and zero-width characters written out, lines kept. Everything
 * else is as is; the command sink, read by a program, gets the notification exact.
 */
function readable(n: Notification): Notification {
  const tail = n.run?.output_tail;
  return {
    ...n,
    title: inert(n.title),
    message: inert(n.message),
    ...(typeof n.cause === 'string' ? { cause: inert(n.cause) } : {}),
    ...(n.run ? { run: { ...n.run, ...(typeof tail === 'string' ? { output_tail: inert(tail) } : {}) } } : {}),
  };
}
