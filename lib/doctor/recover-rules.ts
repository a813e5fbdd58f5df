// Rules on the config's dead-man recovery blocks: health probes that call a dead agent alive.

import { finding, type DoctorFacts, type Finding } from './types.ts';

// `kill -0 PID` (or `kill -s 0`) succeeds for a zombie and for whatever process got the id later.
const KILL_ZERO = /\bkill\s+(?:-0|-s\s+0|--signal\s+0)(?=\s|$)/;

/** A `recover.health` command that asks `kill -0`: a dead agent's broken config would become the known-good one. */
export function recoverRules(facts: Pick<DoctorFacts, 'config'>): Finding[] {
  const out: Finding[] = [];
  for (const [job, config] of facts.config.jobs) {
    const health = config.recover?.health;
    if (health?.kind !== 'command' || !KILL_ZERO.test(health.command)) continue;
    out.push(finding('warning', 'kill-0-probe', facts.config.file, null,
      `job "${job}": its recover.health probe uses kill -0, which calls a zombie or a process that reused the id alive (a dead agent's broken config then becomes the known-good copy)`,
      'use the built-in probe: health: {pid_file: /run/AGENT.pid}, which treats zombies and reused process ids as dead'));
  }
  return out;
}
