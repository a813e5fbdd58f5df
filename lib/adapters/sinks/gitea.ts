// The Gitea sink (also Forgejo): one issue per incident through the v1 API.

import { createTrackerSink } from './issue-tracker.ts';
import type { NetTuning } from './http.ts';
import type { Sink, SinkContext } from '../../rules/sinks/types.ts';
import type { SinkConfig } from '../../rules/sinks/validate.ts';

/** A Gitea sink for `{url, repo, labels, token_env|token_file}`; `net` lets tests shorten backoff. */
export function createSink(config: SinkConfig, ctx: SinkContext, net: NetTuning = {}): Sink {
  const base = String(config.options.url).replace(/\/+$/, '');
  const repo = String(config.options.repo);
  const names = config.options.labels as string[] | undefined;
  return createTrackerSink(
    config,
    ctx,
    {
      kind: 'gitea',
      label: `gitea ${new URL(base).host} ${repo}`,
      repoUrl: `${base}/api/v1/repos/${repo}`,
      headers: (token) => ({ authorization: `token ${token}`, accept: 'application/json', 'user-agent': 'hb' }),
      // type=issues leaves out pull requests; 50 is Gitea's default page limit.
      issuesQuery: (state, since) => `?state=${state}&type=issues&limit=50${since ? `&since=${encodeURIComponent(since)}` : ''}`,
      commentsQuery: (since) => `?since=${encodeURIComponent(since)}`,
      // Gitea's create-issue takes label ids: names are looked up among the repository's labels,
      // and a name it does not have is left out rather than failing the alert.
      labels: async (get) => {
        if (!names?.length) return undefined;
        const known = await get('/labels?limit=50', 'list labels');
        const ids = names
          .map((name) => (Array.isArray(known) ? known.find((l) => (l as { name?: unknown })?.name === name) : undefined) as { id?: unknown } | undefined)
          .map((l) => l?.id)
          .filter((id): id is number => typeof id === 'number');
        return ids.length ? ids : undefined;
      },
    },
    net,
  );
}
