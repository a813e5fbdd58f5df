// An ExplainTarget for the gatherers' unit tests: a problem job with nothing known but what a
// test sets. A gatherer only reads facts and judgement; one that calls describe() fails the test.

import assert from 'node:assert/strict';
import type { ExplainTarget } from '../../lib/check/explain.ts';
import type { JobFacts, Judgement } from '../../lib/rules/health/evaluate.ts';
import type { JobStatus } from '../../lib/rules/health/types.ts';

/** A target for `job` with `status`; `over` sets the facts and the judgement a test is about. */
export function explainTarget(job: string, status: JobStatus, over: { facts?: Partial<JobFacts>; judgement?: Partial<Judgement> } = {}): ExplainTarget {
  return {
    facts: { job, heartbeat: null, file: null, run: null, runGone: null, config: null, firstSeenMs: null, pausedUntilMs: null, ...over.facts },
    judgement: {
      status,
      problem: true,
      spec: null,
      source: null,
      lastMs: null,
      dueMs: null,
      deadlineMs: null,
      periodMs: null,
      graceMs: null,
      runStartMs: null,
      limitMs: null,
      scheduleError: null,
      ...over.judgement,
    },
    describe: () => assert.fail('a gatherer returns its items; the explain stage describes'),
  };
}
