// Which configured sinks a notification goes to: the job's own and the global ones by the types
// they receive, an escalation to its step's sinks only, a resolve also to every step's sinks that
// heard of the incident. Pure.

import { escalationOf, sinksOf, type HbConfig } from '../config/types.ts';
import type { Notification } from '../sinks/types.ts';
import { receives, type SinkConfig } from '../sinks/validate.ts';

/** The sinks that get `n`, in config order. */
export function recipients(config: HbConfig, n: Pick<Notification, 'type' | 'job' | 'incident' | 'escalation'>): SinkConfig[] {
  if (n.type === 'escalate') {
    const step = n.escalation ? escalationOf(config, n.job)[n.escalation.step - 1] : undefined;
    return (step?.notify ?? []).filter((s) => receives(s, 'escalate'));
  }
  const own = sinksOf(config, n.job);
  const escalated = n.type === 'resolve' ? (n.incident?.escalated ?? 0) : 0;
  if (escalated === 0) return own.filter((s) => receives(s, n.type));
  const told = escalationOf(config, n.job)
    .slice(0, escalated)
    .flatMap((s) => s.notify);
  return [...own, ...told].filter((s) => receives(s, n.type));
}
