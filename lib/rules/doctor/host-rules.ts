// Rules about hb's own setup and the host: config errors, a state directory hb cannot write, no
// cron daemon, no mail transfer agent, heartbeats with no schedule anywhere.

import { crontabSchedules } from '../crontab/schedules.ts';
import { formatProblem } from '../errors.ts';
import { needsSchedule, scheduleFix } from '../health/unscheduled.ts';
import type { Checked } from './job-rules.ts';
import { finding, type DoctorFacts, type Finding } from './types.ts';

/** Findings about the config and the state directory. */
export function setupRules(facts: Pick<DoctorFacts, 'config' | 'stateDir'>): Finding[] {
  const out: Finding[] = facts.config.problems.map((p) =>
    finding(
      'error',
      'config',
      p.file,
      p.line ?? null,
      formatProblem({ ...p, file: '', line: undefined }).replace(/^: /, ''),
      'fix the config: until it is valid, every hb command that reads it stops with exit 2 (hb check too)',
    ),
  );
  const state = facts.stateDir;
  if (state?.untrusted) {
    out.push(
      finding(
        'error',
        'state-dir',
        state.dir,
        null,
        `root does not use this state directory, since other users can change it (${state.untrusted.why}): root's ticks go to its own fallback, and hb check run as root reads only that and reports this directory as UNTRUSTED`,
        state.untrusted.fix,
      ),
    );
  } else if (state?.problem) {
    out.push(
      finding(
        'error',
        'state-dir',
        state.dir,
        null,
        `the state directory cannot be written (${state.problem}): heartbeats fall back to each user's ~/.local/state/hb, where hb check run by another user does not look`,
        `create it for the users whose cron lines run hb: install -d -m 0755 -o USER ${state.dir} (or set state_dir in the config)`,
      ),
    );
  }
  return out;
}

/** Findings about the host: the cron daemon, mail, jobs with no schedule anywhere (heartbeats and configured). */
export function hostRules(checked: readonly Checked[], facts: Pick<DoctorFacts, 'host' | 'config'>): Finding[] {
  const host = facts.host;
  if (!host) return [];
  const out: Finding[] = [];
  if (host.cronDaemon === null && !host.hbDaemon) {
    out.push(
      finding(
        'error',
        'no-cron-daemon',
        null,
        null,
        'no cron daemon is running (no cron or crond process): no crontab line runs at all',
        'start it (service cron start; with systemd: systemctl enable --now cron); in a container without cron, run hb daemon instead',
      ),
    );
  }
  const mailing = checked.some(({ parsed, reads }) => reads && parsed.lines.some((l) => l.kind === 'job' && l.env.MAILTO !== ''));
  if (!host.mta && mailing) {
    out.push(
      finding(
        'warning',
        'no-mta',
        null,
        null,
        "no mail transfer agent (/usr/sbin/sendmail is missing): cron discards every job's output and error messages",
        'install one (apt-get install dma, or postfix as a satellite) — or run jobs through hb wrap, which keeps the output\'s tail in the heartbeat; MAILTO="" says discarding is intended',
      ),
    );
  }
  // The same jobs hb check lists as unscheduled (hb's own aside: no-check speaks for hb-check).
  const fromCrontab = crontabSchedules(checked.filter((c) => c.reads).map((c) => c.parsed));
  const unscheduled = (job: string) => needsSchedule(job) && !facts.config.jobs.get(job)?.schedule && !fromCrontab.has(job);
  const consequence = 'hb check lists it as unscheduled: it cannot tell when the job is late';
  const heartbeats = new Set(host.unscheduled.map((u) => u.job));
  for (const { job, file } of host.unscheduled) {
    if (!unscheduled(job)) continue;
    out.push(
      finding(
        'warning',
        'unscheduled',
        file,
        null,
        `job "${job}" has heartbeats but no schedule (none in its heartbeat, the config or a crontab line hb reads): ${consequence}`,
        `give it one: ${scheduleFix(job)}`,
      ),
    );
  }
  for (const job of facts.config.jobs.keys()) {
    if (heartbeats.has(job) || !unscheduled(job)) continue;
    out.push(
      finding(
        'warning',
        'unscheduled',
        facts.config.file,
        null,
        `configured job "${job}" has no schedule (no every/cron under jobs.${job}, no crontab line hb reads runs it): ${consequence}`,
        `give it one: ${scheduleFix(job)}`,
      ),
    );
  }
  return out;
}
