// The fleet model from hand-made answers of Prometheus's API: hosts and jobs, blockers first,
// hosts down / without series / with a stale check shown as unknown, never as ok; a host whose
// hb predates hb_job_reason_info; the panel and the JSON built from the same view.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readAnswer } from '../../lib/rules/fleet/answer.ts';
import { buildFleet } from '../../lib/rules/fleet/model.ts';
import { fleetPanelParts } from '../../lib/rules/fleet/panel.ts';
import { FLEET_FACTS, fleetQueries, type FleetFact } from '../../lib/rules/fleet/queries.ts';
import type { Sample } from '../../lib/rules/fleet/types.ts';

const NOW = Date.parse('2026-12-03T22:00:00Z') / 1000;
const at = (iso: string) => Date.parse(iso) / 1000;

/** A host's answers: its check time, up, and for each job its status and the facts given. */
interface HostSpec {
  host: string;
  up?: 0 | 1 | null;
  /** hb_check_timestamp_seconds now; null when the host serves none now. */
  checkNow: number | null;
  checkLast?: number;
  jobs: Array<{ job: string; status: string; problem?: 0 | 1; reason?: string | null; exit?: number; lastRun?: number; schedule?: string }>;
}

function answers(hosts: HostSpec[]): Record<FleetFact, Sample[]> {
  const a = Object.fromEntries(FLEET_FACTS.map((f) => [f, [] as Sample[]])) as Record<FleetFact, Sample[]>;
  for (const h of hosts) {
    const base = { instance: h.host, job: 'node' };
    if (h.up !== null) a.up.push({ labels: { __name__: 'up', ...base }, value: h.up ?? 1 });
    if (h.checkNow !== null) a.check_now.push({ labels: { __name__: 'hb_check_timestamp_seconds', ...base }, value: h.checkNow });
    a.check_last.push({ labels: base, value: h.checkLast ?? h.checkNow ?? NOW - 600 });
    for (const j of h.jobs) {
      const labels = { ...base, hb_job: j.job };
      a.status.push({ labels: { ...labels, status: j.status }, value: 1 });
      a.problem.push({ labels, value: j.problem ?? 0 });
      if (j.reason !== null) a.reason.push({ labels: { ...labels, reason_class: j.reason ?? 'none' }, value: 1 });
      if (j.exit !== undefined) a.exit_code.push({ labels, value: j.exit });
      if (j.lastRun !== undefined) a.last_run.push({ labels, value: j.lastRun });
      a.info.push({ labels: { ...labels, schedule: j.schedule ?? 'every 1h', tz: '', schedule_source: 'heartbeat' }, value: 1 });
    }
  }
  return a;
}

const opts = { nowS: NOW, hostLabel: 'instance', staleAfterS: 180 };

describe('buildFleet', () => {
  it('lists every host and job, problem jobs first (worst first), then the rest by host and job', () => {
    const view = buildFleet(
      answers([
        {
          host: 'web1:9100',
          checkNow: NOW - 20,
          jobs: [
            { job: 'sync', status: 'stale', problem: 1, reason: 'missed' },
            { job: 'a', status: 'ok' },
          ],
        },
        {
          host: 'db1:9100',
          checkNow: NOW - 30,
          jobs: [
            { job: 'backup', status: 'failed', problem: 1, reason: 'exit_code', exit: 3, lastRun: NOW - 120 },
            { job: 'vacuum', status: 'late', reason: 'late' },
          ],
        },
      ]),
      opts,
    );
    assert.deepEqual(
      view.jobs.map((j) => [j.host, j.job, j.status, j.reason_class, j.blocker]),
      [
        ['db1:9100', 'backup', 'failed', 'exit_code', true],
        ['web1:9100', 'sync', 'stale', 'missed', true],
        ['db1:9100', 'vacuum', 'late', 'late', false],
        ['web1:9100', 'a', 'ok', 'none', false],
      ],
    );
    assert.deepEqual(
      view.hosts.map((h) => [h.host, h.state, h.jobs, h.problems, h.check_age_s]),
      [
        ['db1:9100', 'ok', 2, 1, 30],
        ['web1:9100', 'ok', 2, 1, 20],
      ],
    );
    assert.deepEqual(view.summary, { hosts: 2, hosts_blocked: 0, jobs: 4, problems: 2, unknown: 0, blockers: 2 });
    const backup = view.jobs[0]!;
    assert.equal(backup.exit_code, 3);
    assert.equal(backup.last_run_at, '2026-12-03T21:58:00.000Z');
    assert.equal(backup.schedule, 'every 1h');
    assert.equal(view.generated_at, '2026-12-03T22:00:00.000Z');
  });

  it('makes a host whose scrape fails a blocker, its jobs unknown since its last check, never ok', () => {
    const view = buildFleet(
      answers([
        { host: 'web2:9100', up: 0, checkNow: null, checkLast: at('2026-12-03T21:40:05Z'), jobs: [{ job: 'backup', status: 'ok' }] },
        { host: 'db1:9100', checkNow: NOW - 10, jobs: [{ job: 'backup', status: 'failed', problem: 1, reason: 'exit_code', exit: 1 }] },
      ]),
      opts,
    );
    const [down, db] = view.hosts;
    assert.deepEqual([down!.host, down!.state, down!.blocker, down!.up, down!.checked_at], ['web2:9100', 'down', true, false, '2026-12-03T21:40:05.000Z']);
    assert.match(down!.reason, /^the scrape fails \(up == 0\); last check 2026-12-03T21:40:05.000Z$/);
    assert.equal(db!.state, 'ok');
    const unknown = view.jobs[0]!;
    assert.deepEqual(
      [unknown.host, unknown.status, unknown.last_known_status, unknown.blocker, unknown.unknown_since],
      ['web2:9100', 'unknown', 'ok', true, '2026-12-03T21:40:05.000Z'],
    );
    assert.deepEqual(view.summary, { hosts: 2, hosts_blocked: 1, jobs: 2, problems: 1, unknown: 1, blockers: 2 });
  });

  it('tells a host no longer scraped, one without hb series, and one whose check stopped writing', () => {
    const view = buildFleet(
      answers([
        { host: 'gone:9100', up: null, checkNow: null, jobs: [{ job: 'x', status: 'ok' }] },
        { host: 'empty:9100', up: 1, checkNow: null, jobs: [{ job: 'y', status: 'ok' }] },
        { host: 'frozen:9100', up: 1, checkNow: NOW - 181, jobs: [{ job: 'z', status: 'ok' }] },
        { host: 'fresh:9100', up: 1, checkNow: NOW - 180, jobs: [{ job: 'w', status: 'ok' }] },
      ]),
      opts,
    );
    assert.deepEqual(
      view.hosts.map((h) => [h.host, h.state]),
      [
        ['empty:9100', 'no_series'],
        ['frozen:9100', 'stale_check'],
        ['gone:9100', 'down'],
        ['fresh:9100', 'ok'],
      ],
    );
    assert.deepEqual(
      view.jobs.map((j) => [j.job, j.status]),
      [
        ['y', 'unknown'],
        ['z', 'unknown'],
        ['x', 'unknown'],
        ['w', 'ok'],
      ],
    );
    assert.match(view.hosts[2]!.reason, /no longer scrapes it/);
  });

  it('derives the reason class on a host whose hb writes no hb_job_reason_info, and says null where the status cannot tell', () => {
    const view = buildFleet(
      answers([
        {
          host: 'old:9100',
          checkNow: NOW - 5,
          jobs: [
            { job: 'a', status: 'stale', problem: 1, reason: null },
            { job: 'b', status: 'failed', problem: 1, reason: null, exit: 2 },
            { job: 'c', status: 'failed', problem: 1, reason: null },
            { job: 'd', status: 'ok', reason: null },
            { job: 'e', status: 'a_status_from_a_newer_hb', reason: null },
          ],
        },
      ]),
      opts,
    );
    assert.deepEqual(Object.fromEntries(view.jobs.map((j) => [j.job, j.reason_class])), { a: 'missed', b: 'exit_code', c: null, d: 'none', e: null });
  });

  it('keeps only the jobs asked for, and names hosts by another label when told', () => {
    const a = answers([
      {
        host: 'db1:9100',
        checkNow: NOW,
        jobs: [
          { job: 'backup', status: 'ok' },
          { job: 'other', status: 'ok' },
        ],
      },
    ]);
    for (const fact of FLEET_FACTS) for (const s of a[fact]) s.labels.nodename = 'db1';
    const view = buildFleet(a, { ...opts, hostLabel: 'nodename', jobs: ['backup'] });
    assert.deepEqual(
      view.jobs.map((j) => [j.host, j.job]),
      [['db1', 'backup']],
    );
    assert.equal(view.host_label, 'nodename');
  });
});

describe('the fleet panel', () => {
  it('prints the blockers first, then each host with its jobs', () => {
    const view = buildFleet(
      answers([
        { host: 'web2:9100', up: 0, checkNow: null, checkLast: at('2026-12-03T21:40:05Z'), jobs: [{ job: 'backup', status: 'ok' }] },
        { host: 'db1:9100', checkNow: NOW - 10, jobs: [{ job: 'backup', status: 'failed', problem: 1, reason: 'exit_code', exit: 3, lastRun: NOW - 120 }] },
      ]),
      opts,
    );
    const text = [...fleetPanelParts(view)].join('');
    assert.equal(
      text,
      [
        '2 hosts, 2 jobs: 2 blockers',
        '  web2:9100  DOWN: the scrape fails (up == 0); last check 2026-12-03T21:40:05.000Z; 1 job',
        '  db1:9100 backup: failed (exit_code), exit 3, last run 2m ago',
        '',
        'web2:9100  DOWN: the scrape fails (up == 0); last check 2026-12-03T21:40:05.000Z; 1 job',
        '  JOB     STATUS                                       REASON  EXIT  LAST RUN  LAST SUCCESS  SCHEDULE',
        '  backup  unknown since 2026-12-03 21:40:05Z (was ok)  none    -     -         -             every 1h',
        '',
        'db1:9100  ok: checked 10s ago; 1 job, 1 with a problem',
        '  JOB     STATUS  REASON     EXIT  LAST RUN  LAST SUCCESS  SCHEDULE',
        '  backup  failed  exit_code  3     2m ago    -             every 1h',
        '',
      ].join('\n'),
    );
  });
});

describe('the queries and the API answer', () => {
  it('fall back to the last kept values only for hosts without a current check series', () => {
    const q = fleetQueries('instance', 86_400);
    assert.equal(q.status, '(hb_job_status == 1) or ((last_over_time(hb_job_status[86400s]) == 1) unless on(instance) hb_check_timestamp_seconds)');
    assert.throws(() => fleetQueries('bad-label', 60), /label name/);
  });

  it('reads a vector answer, and says what it found when the body is not the API JSON or reports an error', () => {
    const ok = readAnswer('{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"a"},"value":[1764799200.5,"3"]}]}}');
    assert.deepEqual(ok, { at: 1764799200.5, samples: [{ labels: { instance: 'a' }, value: 3 }] });
    assert.deepEqual(readAnswer('{"status":"success","data":{"resultType":"scalar","result":[1764799200,"1764799200"]}}').samples[0]!.value, 1764799200);
    assert.throws(() => readAnswer('<html>Grafana</html>'), /expected the JSON of Prometheus's HTTP API, found "<html>Grafana<\/html>"/);
    assert.throws(() => readAnswer(''), /found an empty body/);
    assert.throws(() => readAnswer('{"status":"error","errorType":"bad_data","error":"parse error at char 3"}'), /Prometheus says: parse error at char 3/);
    assert.throws(() => readAnswer('{"status":"success","data":{"resultType":"matrix","result":[]}}'), /expected data.resultType "vector", found "matrix"/);
  });
});
