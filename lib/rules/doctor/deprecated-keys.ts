// Rules on config keys hb still reads but has replaced: each is named with the key to write instead.

import { finding, type DoctorFacts, type Finding } from './types.ts';

/** `alert_after: N` counted checks; it is read as `tolerate: {failed_runs: N}`, which counts the job's runs. */
export function deprecatedKeyRules(facts: Pick<DoctorFacts, 'config'>): Finding[] {
  const out: Finding[] = [];
  for (const [job, config] of facts.config.jobs) {
    if (config.alertAfter === undefined) continue;
    const n = config.alertAfter;
    out.push(
      finding(
        'warning',
        'alert-after',
        facts.config.file,
        null,
        `job "${job}": alert_after: ${n} is deprecated; hb reads it as tolerate: {failed_runs: ${n}}, counted over the job's own runs (${n} failed run${n === 1 ? '' : 's'} in a row alert), no longer over checks, and a missed run is never delayed`,
        `replace alert_after: ${n} with tolerate: {failed_runs: ${n}} under jobs.${job}`,
      ),
    );
  }
  return out;
}
