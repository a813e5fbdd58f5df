// `escalate:` — further sinks notified when an incident stays open.

import type { SinkConfig } from '../sinks/validate.ts';

/** One validated escalation step: after `afterMs` unresolved, `notify` gets the incident too. */
export interface EscalationStep {
  afterMs: number;
  notify: SinkConfig[];
}
