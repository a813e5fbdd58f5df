// The job-name rule: names become file names, so nothing may escape the state directory.

import { visible } from './visible.ts';

/** The meta-heartbeat's job name: configure `jobs.hb-check` to give it a schedule and sinks. */
export const CHECK_JOB = 'hb-check';
/** The job name a sent report goes out as: global sinks get it, plus any under `jobs.hb-report`. */
export const REPORT_JOB = 'hb-report';

/** The rule, as users see it in messages. */
export const JOB_NAME_RULE = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Returns why `name` is not a valid job name, or null when it is. */
export function validateJobName(name: string): string | null {
  if (JOB_NAME.test(name)) return null;
  // A name from the command line may hold a newline or ESC: the message stays one inert line.
  const shown = name === '' ? 'an empty name' : `"${visible(name)}"`;
  return `invalid job name ${shown}: a job name must match ${JOB_NAME_RULE} (letters, digits, dot, underscore, dash; starting with a letter or digit; at most 128 characters)`;
}

/** A job name derived from a command's base name, made to fit the rule. */
export function jobNameFromCommand(command: string): string {
  const base = command.split('/').filter(Boolean).pop() ?? '';
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 128);
  return cleaned || 'job';
}
