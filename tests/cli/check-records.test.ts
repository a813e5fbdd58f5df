// Numbers in heartbeat records and run markers are not trusted blindly, through the built CLI:
// JSON reads 1e309 as Infinity and takes a negative grace, and neither may make a job `ok`
// forever, "due -57s ago", or print Infinity/NaN in any output format.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, sandbox } from '../helpers.ts';

/** A record as hb writes it, a minute old, with `field` replaced by raw JSON text. */
function record(job: string, field: string, raw: string, nowMs: number): string {
  const at = new Date(nowMs - 60_000).toISOString();
  const fields: Record<string, string> = {
    v: '1',
    job: JSON.stringify(job),
    host: '"h"',
    status: '"ok"',
    exit_code: '0',
    signal: 'null',
    started_at: JSON.stringify(at),
    finished_at: JSON.stringify(at),
    duration_ms: '12',
    cycle: '3',
    action: 'null',
    message: 'null',
    schedule: '{"every":"1h"}',
    grace_s: '600',
    output_tail: 'null',
    pid: '4242',
    hb_version: '"0.1.0"',
  };
  fields[field] = raw;
  return `{${Object.entries(fields)
    .map(([k, v]) => `"${k}":${v}`)
    .join(',')}}\n`;
}

// job name → field, raw value, what the reason must say.
const TAMPERED: Array<[string, string, string, RegExp]> = [
  ['grace-inf', 'grace_s', '1e309', /field "grace_s" is not a finite number, expected a number from 0 to/],
  ['grace-neg', 'grace_s', '-57', /field "grace_s" is -57, expected a number from 0 to/],
  ['exit-inf', 'exit_code', '1e309', /field "exit_code" is not a finite number, expected a whole number from 0 to 255/],
  ['exit-frac', 'exit_code', '1.5', /field "exit_code" is 1.5, expected a whole number from 0 to 255/],
  ['exit-big', 'exit_code', '256', /field "exit_code" is 256, expected a whole number from 0 to 255/],
  ['dur-inf', 'duration_ms', '-1e309', /field "duration_ms" is not a finite number/],
  ['dur-neg', 'duration_ms', '-5', /field "duration_ms" is -5, expected a number from 0 to/],
  ['cycle-neg', 'cycle', '-1', /field "cycle" is -1, expected a whole number from 0 to/],
  ['cycle-frac', 'cycle', '2.5', /field "cycle" is 2.5/],
  ['pid-zero', 'pid', '0', /field "pid" is 0, expected a whole number from 1 to 2147483647/],
  ['version-inf', 'v', '1e999', /field "v" is not a finite number/],
  ['prev-pid', 'previous', '{"status":"crashed","cycle":2,"started_at":"2026-01-01T00:00:00Z","pid":1e309}', /field "previous": "pid" is not a finite number/],
];

const NOT_A_NUMBER = /Infinity|NaN|\+Inf|-Inf|due -|ago -|-\d+(?:ms|s|m|h|d) ago/;

test('a record with a number out of range is corrupt naming the field, in every format; none prints Infinity or NaN', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  mkdirSync(s.state, { recursive: true });
  const now = Date.now();
  for (const [job, field, raw] of TAMPERED) writeFileSync(join(s.state, `${job}.last`), record(job, field, raw, now));
  // The numbers at the edges of their ranges are fine.
  writeFileSync(
    join(s.state, 'edges.last'),
    record('edges', 'grace_s', '9007199254740.991', now).replace('"exit_code":0', '"exit_code":255').replace('"cycle":3', '"cycle":9007199254740991'),
  );

  const json = hb(['check', '--json'], { env: s.env });
  assert.equal(json.code, 1, json.stderr);
  const jobs = new Map((JSON.parse(json.stdout).jobs as { job: string; status: string; reason: string }[]).map((j) => [j.job, j]));
  for (const [job, , , reason] of TAMPERED) {
    assert.equal(jobs.get(job)?.status, 'corrupt', job);
    assert.match(jobs.get(job)!.reason, reason, job);
  }
  assert.equal(jobs.get('edges')?.status, 'ok', 'the largest grace, exit code and cycle hb could write are a record');

  const outputs = {
    text: hb(['check', '--verbose'], { env: s.env }),
    json,
    nagios: hb(['check', '--format', 'nagios'], { env: s.env }),
    prometheus: hb(['check', '--format', 'prometheus'], { env: s.env }),
    status: hb(['status', '--json'], { env: s.env }),
    panel: hb(['status'], { env: s.env }),
  };
  for (const [format, r] of Object.entries(outputs)) {
    assert.equal(r.stderr, '', format);
    assert.doesNotMatch(r.stdout, NOT_A_NUMBER, `${format} prints no Infinity, NaN or negative "ago"`);
  }
  assert.match(outputs.nagios.stdout, /^HB CRITICAL - /);
  assert.equal(outputs.nagios.code, 2);
  assert.match(outputs.prometheus.stdout, /^hb_job_status\{hb_job="grace-inf",status="corrupt"\} 1$/m);
});

test('a run marker with a number out of range is not taken for a run: the job is corrupt naming the field (no pid Infinity, no negative timeout)', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  mkdirSync(s.state, { recursive: true });
  const now = Date.now();
  const started = new Date(now - 5_000).toISOString();
  const marker = (fields: string) =>
    `{"job":"j","pid":${process.pid},"started_at":"${started}","host":"h","cycle":4,"boot_id":null,"pid_started_ms":null,${fields}}\n`;
  writeFileSync(join(s.state, 'j.last'), record('j', 'cycle', '3', now));
  for (const [fields, what, field] of [
    ['"timeout_ms":-5', 'negative timeout', 'timeout_ms'],
    ['"timeout_ms":1e309', 'infinite timeout', 'timeout_ms'],
    ['"child_pid":1e309', 'infinite child pid', 'child_pid'],
  ] as const) {
    writeFileSync(join(s.state, 'j.run'), marker(fields));
    const r = hb(['check', 'j', '--json'], { env: s.env });
    assert.equal(r.code, 1, `${what}: ${r.stdout}`);
    const j = JSON.parse(r.stdout).jobs[0];
    assert.equal(j.status, 'corrupt', `${what}: a marker hb could not have written is reported, not run on`);
    assert.match(j.reason, new RegExp(`j\\.run: is not a run marker: field "${field}" is`), what);
  }
  writeFileSync(join(s.state, 'j.run'), marker('"timeout_ms":60000').replace(`"pid":${process.pid}`, '"pid":1e309'));
  const r = hb(['check', 'j', '--verbose'], { env: s.env });
  assert.doesNotMatch(r.stdout, NOT_A_NUMBER);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /field "pid" missing or not a process id/);
});
