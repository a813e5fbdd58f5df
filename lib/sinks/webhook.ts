// The webhook sink: POSTs the notification, as is, as JSON; any 2xx is delivered.

import { postJson } from './http.ts';
import type { NetTuning } from './http.ts';
import type { Notification, Sink, SinkContext } from './types.ts';
import type { SinkConfig } from './validate.ts';

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
      await postJson(url, n, {
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
