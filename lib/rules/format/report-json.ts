// `hb report --format json`: the report as JSON.stringify(report, null, 2) gives it, made a job
// at a time, so a report over a busy week (thousands of timeline runs) is never one string.

import type { Report } from '../report/types.ts';

/** Where the jobs go in the report's outline (the report with no jobs, indented as the whole). */
const JOBS = '\n  "jobs": []';

/** The report's JSON with a closing newline, in parts: the outline up to `jobs`, each job, the rest; joined, exactly the whole. */
export function* reportJsonParts(report: Report): Generator<string> {
  if (report.jobs.length === 0) {
    yield JSON.stringify(report, null, 2) + '\n';
    return;
  }
  const outline = JSON.stringify({ ...report, jobs: [] }, null, 2);
  const at = outline.indexOf(JOBS);
  yield outline.slice(0, at) + '\n  "jobs": [\n';
  const last = report.jobs.length - 1;
  for (let i = 0; i <= last; i++) {
    // A string in JSON holds no raw newline: every newline here is the layout's.
    yield '    ' + JSON.stringify(report.jobs[i], null, 2).replaceAll('\n', '\n    ') + (i < last ? ',\n' : '\n');
  }
  yield '  ]' + outline.slice(at + JOBS.length) + '\n';
}
