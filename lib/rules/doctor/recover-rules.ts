// Rules on the config's dead-man recovery blocks: health probes that call a dead agent alive, and
// guarded files recovery will not touch.

import { finding, type DoctorFacts, type Finding } from './types.ts';

// `kill -0 PID` (or `kill -s 0`) succeeds for a zombie and for whatever process got the id later.
const KILL_ZERO = /\bkill\s+(?:-0|-s\s+0|--signal\s+0)(?=\s|$)/;

/**
 * A `recover.health` command that asks `kill -0` (a dead agent's broken config would become the
 * known-good one), and a guarded file recovery refuses (never snapshotted, never restored).
 */
export function recoverRules(facts: Pick<DoctorFacts, 'config' | 'guardedRefusal'>): Finding[] {
  const out: Finding[] = [];
  for (const [job, config] of facts.config.jobs) {
    for (const path of config.recover?.config ?? []) {
      const why = facts.guardedRefusal?.(path);
      if (!why) continue;
      out.push(
        finding(
          'warning',
          'recover-unsafe-path',
          facts.config.file,
          null,
          `job "${job}": recovery will not touch ${path}: ${why}; it is never snapshotted nor restored`,
          "make it a regular file in directories that only root, or only the agent's user, can write (chmod go-w; no symbolic link at the path)",
        ),
      );
    }
    const health = config.recover?.health;
    if (health?.kind !== 'command' || !KILL_ZERO.test(health.command)) continue;
    out.push(
      finding(
        'warning',
        'kill-0-probe',
        facts.config.file,
        null,
        `job "${job}": its recover.health probe uses kill -0, which calls a zombie or a process that reused the id alive (a dead agent's broken config then becomes the known-good copy)`,
        'use the built-in probe: health: {pid_file: /run/AGENT.pid}, which treats zombies and reused process ids as dead',
      ),
    );
  }
  return out;
}
