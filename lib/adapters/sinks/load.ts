// Finds a sink's code only when it fires: `hb check` with no sink configured loads none of this.

import { createHash } from 'node:crypto';
import type { Sink, SinkContext } from '../../rules/sinks/types.ts';
import type { SinkConfig } from '../../rules/sinks/validate.ts';

/** A stable key for a configured sink: where it is configured, its kind and its options. */
export function sinkKey(config: SinkConfig): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([config.kind, config.options]))
    .digest('hex')
    .slice(0, 12);
  return `${config.where}:${config.kind}:${digest}`;
}

/** Loads the sink's module and builds the sink. */
export async function loadSink(config: SinkConfig, ctx: SinkContext): Promise<Sink> {
  const modules: Record<string, () => Promise<{ createSink(c: SinkConfig, x: SinkContext): Sink }>> = {
    command: () => import('./command.ts'),
    webhook: () => import('./webhook.ts'),
    telegram: () => import('./telegram.ts'),
    github: () => import('./github.ts'),
    gitea: () => import('./gitea.ts'),
    healthchecks: () => import('./healthchecks.ts'),
    email: () => import('./email.ts'),
  };
  const load = modules[config.kind];
  if (!load) throw new Error(`unknown sink kind ${config.kind}`);
  return (await load()).createSink(config, ctx);
}
