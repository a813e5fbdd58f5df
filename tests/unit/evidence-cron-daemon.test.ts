// The `cron_daemon` rule as a table: none running, running since before the due time, started
// after it, start unknown; which process is the daemon; and the clock text it uses.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cronDaemonEvidence, cronDaemonOf, hbDaemonEvidence, type CronDaemonFacts, type HbDaemonFacts } from '../../lib/rules/evidence/cron-daemon.ts';
import { clockAgo, clockText } from '../../lib/rules/evidence/when.ts';
import { isoOrNull } from '../../lib/rules/iso-time.ts';

const T = (hhmm: string, day = '2026-12-03') => Date.parse(`${day}T${hhmm}:00Z`);
const NOW = T('12:00');
const DUE = T('10:00');
const PID_FILE = { path: '/run/crond.pid', pid: 812, mtimeMs: T('07:32') };

describe('cronDaemonEvidence', () => {
  test('no cron daemon running is a cause that says how to start one, with the last one its pid file names', () => {
    const e = cronDaemonEvidence({ running: [], pidFile: PID_FILE }, DUE, NOW);
    assert.equal(e.kind, 'cron_daemon');
    assert.equal(e.weight, 'cause');
    assert.equal(
      e.text,
      'no cron daemon is running (the last one, pid 812, started 07:32 UTC; since when is not known): nothing starts crontab lines; start it (systemctl start cron)',
    );
    assert.deepEqual(e.facts, { runner: 'cron', running: false, pid: 812, started_at: '2026-12-03T07:32:00.000Z', pid_file: '/run/crond.pid' });
  });

  test('no cron daemon and no pid file: a cause that says nothing it does not know', () => {
    const e = cronDaemonEvidence({ running: [], pidFile: null }, DUE, NOW);
    assert.equal(e.weight, 'cause');
    assert.equal(e.text, 'no cron daemon is running (since when is not known): nothing starts crontab lines; start it (systemctl start cron)');
    assert.deepEqual(e.facts, { runner: 'cron', running: false, pid: null, started_at: null, pid_file: null });
  });

  test('a pid file without a pid names no last cron', () => {
    const e = cronDaemonEvidence({ running: [], pidFile: { ...PID_FILE, pid: null } }, DUE, NOW);
    assert.match(e.text, /^no cron daemon is running \(since when is not known\)/);
    assert.equal(e.facts.pid_file, '/run/crond.pid');
  });

  test('cron running since before the due time rules cron out, with its pid and since when', () => {
    const e = cronDaemonEvidence({ running: [{ pid: 812, startMs: T('07:32') }], pidFile: PID_FILE }, DUE, NOW);
    assert.equal(e.weight, 'clear');
    assert.equal(e.text, 'cron (pid 812) has run since 07:32 UTC (4h28m ago), since before the run was due');
    assert.deepEqual(e.facts, { runner: 'cron', running: true, pid: 812, started_at: '2026-12-03T07:32:00.000Z', pid_file: '/run/crond.pid' });
  });

  test('cron started after the due time is a clue: it was not running then, or was restarted since', () => {
    const e = cronDaemonEvidence({ running: [{ pid: 900, startMs: T('10:14') }], pidFile: null }, DUE, NOW);
    assert.equal(e.weight, 'clue');
    assert.equal(e.text, 'cron (pid 900) started 10:14 UTC (1h46m ago), after the run was due at 10:00 UTC: it was not running then, or was restarted since');
    assert.equal(e.facts.pid_file, null);
  });

  test('cron started exactly at the due time was there to run it', () => {
    assert.equal(cronDaemonEvidence({ running: [{ pid: 1, startMs: DUE }], pidFile: null }, DUE, NOW).weight, 'clear');
  });

  test('a cron whose start /proc could not tell is running, since when unknown', () => {
    const e = cronDaemonEvidence({ running: [{ pid: 5, startMs: null }], pidFile: null }, DUE, NOW);
    assert.equal(e.weight, 'clear');
    assert.equal(e.text, 'cron (pid 5) is running (since when is not known)');
    assert.equal(e.facts.started_at, null);
  });

  test('without a due time a running cron is only said to run since when', () => {
    const e = cronDaemonEvidence({ running: [{ pid: 812, startMs: T('07:32') }], pidFile: null }, null, NOW);
    assert.equal(e.weight, 'clear');
    assert.equal(e.text, 'cron (pid 812) has run since 07:32 UTC (4h28m ago)');
  });
});

describe('cronDaemonOf', () => {
  const facts = (pidFilePid: number | null): CronDaemonFacts => ({
    running: [
      { pid: 40, startMs: T('11:59') },
      { pid: 30, startMs: T('07:32') },
      { pid: 50, startMs: null },
    ],
    pidFile: { path: '/run/crond.pid', pid: pidFilePid, mtimeMs: 0 },
  });

  test('the pid file names the daemon among cron and the children it forks per job', () => {
    assert.equal(cronDaemonOf(facts(40))?.pid, 40);
  });

  test('without a live pid from the pid file, the daemon is the cron that started first', () => {
    assert.equal(cronDaemonOf(facts(null))?.pid, 30);
    assert.equal(cronDaemonOf(facts(99))?.pid, 30);
  });

  test('no cron process, no daemon', () => {
    assert.equal(cronDaemonOf({ running: [], pidFile: PID_FILE }), null);
  });
});

describe('clock text', () => {
  test('a time within a day is its UTC clock time; a further one has its day', () => {
    assert.equal(clockText(T('07:05'), NOW), '07:05 UTC');
    assert.equal(clockText(T('07:05', '2026-12-01'), NOW), 'Dec 1 07:05 UTC');
    assert.equal(clockAgo(T('10:00'), NOW), '10:00 UTC (2h ago)');
    assert.equal(clockAgo(T('13:00'), NOW), '13:00 UTC');
  });

  test('facts take ISO times, null for an unknown or impossible instant', () => {
    assert.equal(isoOrNull(T('07:05')), '2026-12-03T07:05:00.000Z');
    assert.equal(isoOrNull(null), null);
    assert.equal(isoOrNull(Infinity), null);
    assert.equal(isoOrNull(9e15), null);
  });
});

describe('hbDaemonEvidence', () => {
  const daemon = (over: Partial<HbDaemonFacts>): HbDaemonFacts => ({
    pid: 4242,
    startMs: T('07:32'),
    alive: true,
    statusFile: '/var/lib/hb/daemon.json',
    ...over,
  });

  test('the hb daemon that runs the job, gone: a cause that says how to start it', () => {
    const e = hbDaemonEvidence(daemon({ alive: false }), DUE, NOW);
    assert.equal(e.kind, 'cron_daemon');
    assert.equal(e.weight, 'cause');
    assert.equal(e.text, 'hb daemon, which runs this job instead of cron, is not running (pid 4242, started 07:32 UTC, is gone): start it (hb daemon start)');
    assert.deepEqual(e.facts, {
      runner: 'hb_daemon',
      running: false,
      pid: 4242,
      started_at: '2026-12-03T07:32:00.000Z',
      pid_file: null,
      status_file: '/var/lib/hb/daemon.json',
    });
    assert.equal(
      hbDaemonEvidence(daemon({ alive: false, startMs: null }), DUE, NOW).text,
      'hb daemon, which runs this job instead of cron, is not running (pid 4242 is gone): start it (hb daemon start)',
    );
  });

  test('running since before the due time rules it out', () => {
    const e = hbDaemonEvidence(daemon({}), DUE, NOW);
    assert.equal(e.weight, 'clear');
    assert.equal(e.text, 'hb daemon (pid 4242) runs this job instead of cron, and has run since 07:32 UTC (4h28m ago)');
    assert.equal(e.facts.running, true);
    assert.equal(hbDaemonEvidence(daemon({ startMs: null }), DUE, NOW).text, 'hb daemon (pid 4242) runs this job instead of cron');
  });

  test('started after the due time is a clue', () => {
    const e = hbDaemonEvidence(daemon({ startMs: T('10:14') }), DUE, NOW);
    assert.equal(e.weight, 'clue');
    assert.equal(e.text, 'hb daemon (pid 4242), which runs this job instead of cron, started 10:14 UTC (1h46m ago), after the run was due at 10:00 UTC');
  });
});
