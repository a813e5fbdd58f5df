// Drives the check pipeline (lib/check) in-process against a temporary state directory: a fake
// clock, a sleep that only moves it, numbered ids, and warnings kept for the test to read.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActing, type ActOptions } from '../../lib/check/act.ts';
import type { CheckEffects } from '../../lib/check/effects.ts';
import { evaluateAll, type Evaluation } from '../../lib/check/evaluate.ts';
import { finishCheck, type Finished } from '../../lib/check/finish.ts';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import type { HbConfig } from '../../lib/rules/config/types.ts';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import { writeHeartbeat } from '../../lib/adapters/heartbeat/store.ts';
import { gatherFacts } from '../../lib/adapters/run/proc.ts';

export const T = Date.parse('2026-11-20T09:00:00Z');
export const SEC = 1000;
export const MIN = 60 * SEC;

/** A fake world for one or more checks: its clock, what was slept, the ids handed out, the warnings said. */
export interface FakeEffects extends CheckEffects {
  clock: { ms: number };
  slept: number[];
  warnings: string[];
}

/** Effects with the clock at `ms`; `pid` is who the check claims to be (a dead pid is a check that died). */
export function fakeEffects(ms: number, over: Partial<CheckEffects> = {}): FakeEffects {
  const clock = { ms };
  const slept: number[] = [];
  const warnings: string[] = [];
  let ids = 0;
  return {
    clock,
    slept,
    warnings,
    now: () => clock.ms,
    sleep: async (wait) => {
      slept.push(wait);
      clock.ms += wait;
    },
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    isAlive: (pid) => gatherFacts(pid).state !== null,
    env: { PATH: process.env.PATH },
    pid: process.pid,
    host: 'testhost',
    isRoot: false,
    execPath: process.execPath,
    tzData: '',
    localTz: () => 'UTC',
    warn: (line) => void warnings.push(line),
    ...over,
  };
}

/** A temporary state directory, removed after the test. */
export function stateDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-check-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The validated config of this YAML text. */
export const config = (yaml: string): Promise<HbConfig> => parseConfigText(yaml, 'hb.yaml', 'UTC');

/** A webhook sink line for `notify:` (no retries within a check: one request per attempt). */
export const webhook = (url: string) => `  - webhook: {url: ${url}/hook, timeout: 1s, retries: 0}\n`;

/** Writes job's heartbeat as a tick at `ms` with `status` would; `fields` replace or add record fields. */
export function tick(
  dir: string,
  job: string,
  ms: number,
  status: HeartbeatRecord['status'] = 'ok',
  every = '1m',
  fields: Partial<HeartbeatRecord> = {},
): void {
  const at = new Date(ms).toISOString();
  writeHeartbeat(
    dir,
    {
      v: 1,
      job,
      host: 'testhost',
      status,
      exit_code: status === 'error' ? 1 : 0,
      signal: null,
      started_at: at,
      finished_at: at,
      duration_ms: 0,
      cycle: 1,
      action: null,
      message: null,
      schedule: { every },
      grace_s: null,
      output_tail: null,
      pid: 1,
      hb_version: 't',
      ...fields,
    },
    { fsync: false },
  );
}

/** What one in-process check did. */
export interface CheckResult {
  evaluation: Evaluation;
  finished: Finished;
  /** The exit code the command would return (before the own-heartbeat rule). */
  code: number;
}

/** Runs a whole check the way `hb check` does, rendering left out: evaluate (recover), then finish (record, alert, deliver). */
export async function runCheck(
  dir: string,
  cfg: HbConfig,
  fx: CheckEffects,
  opts: Partial<ActOptions> & { jobs?: string[]; afterEvaluate?: (e: Evaluation) => void } = {},
): Promise<CheckResult> {
  const acting: ActOptions = { dryRun: opts.dryRun ?? false, notify: opts.notify ?? true, recover: opts.recover ?? true };
  const jobs = opts.jobs ?? [];
  const evaluation = await evaluateAll(
    { jobs, config: cfg, dirs: [dir], untrusted: [] },
    fx,
    () => true,
    async (c, d) => startActing(c, d, fx, acting),
  );
  opts.afterEvaluate?.(evaluation);
  const code = evaluation.problems > 0 ? 1 : 0;
  const finished = await finishCheck(
    evaluation,
    { code, dryRun: acting.dryRun, complete: jobs.length === 0, looksOnly: !acting.notify && !acting.recover },
    fx,
  );
  return { evaluation, finished, code };
}

/** Pending outbox items (claimed ones included), parsed. */
export function outbox(dir: string): Array<{ name: string; notification: { id: string; type: string; job: string } }> {
  const box = join(dir, 'outbox');
  if (!existsSync(box)) return [];
  return readdirSync(box)
    .filter((n) => n.includes('.json'))
    .sort()
    .map((name) => ({ name, ...JSON.parse(readFileSync(join(box, name), 'utf8')) }));
}

/** The events of `type` in the state directory's log. */
export function events(dir: string, type: string): Array<Record<string, unknown>> {
  const file = join(dir, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === type);
}
