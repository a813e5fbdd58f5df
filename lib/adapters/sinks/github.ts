// The GitHub sink: one issue per incident through the REST API (issues and issue comments).

import { createTrackerSink } from './issue-tracker.ts';
import type { NetTuning } from './http.ts';
import type { Sink, SinkContext } from '../../rules/sinks/types.ts';
import type { SinkConfig } from '../../rules/sinks/validate.ts';

/** A GitHub sink for `{repo, api_url, labels, token_env|token_file}`; `net` lets tests shorten backoff. */
export function createSink(config: SinkConfig, ctx: SinkContext, net: NetTuning = {}): Sink {
  const api = String(config.options.api_url ?? 'https://api.github.com').replace(/\/+$/, '');
  const repo = String(config.options.repo);
  const labels = config.options.labels as string[] | undefined;
  return createTrackerSink(
    config,
    ctx,
    {
      kind: 'github',
      label: `github ${repo}`,
      repoUrl: `${api}/repos/${repo}`,
      headers: (token) => ({
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        // GitHub refuses requests without a user agent.
        'user-agent': 'hb',
      }),
      // Newest first, so one page of 100 holds the issues an incident can have touched.
      issuesQuery: (state, since) => `?state=${state}&sort=updated&direction=desc&per_page=100${since ? `&since=${encodeURIComponent(since)}` : ''}`,
      commentsQuery: (since) => `?since=${encodeURIComponent(since)}&per_page=100`,
      // GitHub takes label names (and drops them silently for tokens without push access).
      labels: async () => (labels?.length ? labels : undefined),
    },
    net,
  );
}
