// Cron's own log as evidence: its lines in each syslog format (samples as Debian cron and busybox
// syslogd wrote them on this kind of host), the year of a stamp that has none, which job a logged
// command starts, and every outcome a stale job can get from it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronLogEvidence, jobsOfCommand, lineStamp, parseCronLogLine, type CronLogEntry, type CronLogView } from '../../lib/rules/evidence/cron-log.ts';

const NOW = Date.parse('2026-12-03T19:30:00Z');
const at = (iso: string) => Date.parse(iso);

test('parses Debian cron lines through busybox syslogd, a classic RFC 3164 syslog and an RFC 3339 one', () => {
  const busybox = parseCronLogLine('Dec  3 18:54:01 vm cron.info CRON[1863]: (root) CMD ([1866] /nonexistent/hb wrap --job broken -- true)', NOW, 'UTC');
  assert.deepEqual(busybox, {
    atMs: at('2026-12-03T18:54:01Z'),
    cronPid: 1863,
    user: 'root',
    what: 'CMD',
    command: '/nonexistent/hb wrap --job broken -- true',
    jobPid: 1866,
    exitStatus: null,
  });
  const classic = parseCronLogLine('Dec  3 18:41:55 host CRON[123]: (alice) CMD (hb tick dump)', NOW, 'UTC');
  assert.deepEqual(classic, {
    atMs: at('2026-12-03T18:41:55Z'),
    cronPid: 123,
    user: 'alice',
    what: 'CMD',
    command: 'hb tick dump',
    jobPid: null,
    exitStatus: null,
  });
  const rfc3339 = parseCronLogLine('2026-12-03T18:41:55.123456+01:00 host CRON[123]: (root) END ([124] hb tick dump)', NOW, 'UTC');
  assert.equal(rfc3339?.atMs, at('2026-12-03T17:41:55.123Z'));
  assert.equal(rfc3339?.what, 'END');
  assert.equal(rfc3339?.jobPid, 124);
  const failed = parseCronLogLine('Dec  3 18:54:01 vm cron.info CRON[1863]: (CRON) error (grandchild #1866 failed with exit status 127)', NOW, 'UTC');
  assert.equal(failed?.what, 'failed');
  assert.equal(failed?.jobPid, 1866);
  assert.equal(failed?.exitStatus, 127);
  // The daemon's own lines, PAM's and other programs' are not runs.
  for (const other of [
    'Dec  3 18:53:55 vm cron.info cron[30393]: (CRON) INFO (Running @reboot jobs)',
    'Dec  3 18:54:01 vm authpriv.info CRON[31210]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
    'Dec  3 18:54:01 vm mail.info dma[16004c]: new mail from user=root uid=8 envelope_from=<root@vm>',
    'not a syslog line at all',
  ]) {
    assert.equal(parseCronLogLine(other, NOW, 'UTC'), null, other);
  }
});

test("a stamp without a year is the host zone's, in the year that puts it closest before now, across New Year", () => {
  const newYear = Date.parse('2027-01-01T00:05:00Z');
  assert.equal(lineStamp('Dec 31 23:59:00 h x', newYear, 'UTC')?.atMs, at('2026-12-31T23:59:00Z'));
  assert.equal(lineStamp('Jan  1 00:04:00 h x', newYear, 'UTC')?.atMs, at('2027-01-01T00:04:00Z'));
  // A logger a minute ahead of this clock still writes this year.
  assert.equal(lineStamp('Jan  1 00:06:00 h x', newYear, 'UTC')?.atMs, at('2027-01-01T00:06:00Z'));
  // Berlin is an hour ahead of UTC in winter: 00:30 UTC on New Year is 01:30 there.
  const berlin = Date.parse('2027-01-01T00:30:00Z');
  assert.equal(lineStamp('Jan  1 01:10:00 h x', berlin, 'Europe/Berlin')?.atMs, at('2027-01-01T00:10:00Z'));
  assert.equal(lineStamp('Dec 31 23:50:00 h x', berlin, 'Europe/Berlin')?.atMs, at('2026-12-31T22:50:00Z'));
  // Summer time: 12:00 in Berlin in July is 10:00 UTC.
  assert.equal(lineStamp('Jul 14 12:00:00 h x', NOW, 'Europe/Berlin')?.atMs, at('2026-07-14T10:00:00Z'));
  // February 29 only in a year that has it.
  assert.equal(lineStamp('Feb 29 10:00:00 h x', Date.parse('2028-03-01T00:00:00Z'), 'UTC')?.atMs, at('2028-02-29T10:00:00Z'));
});

test('a logged command starts the job of its hb tick or hb wrap, by the rule that ties a crontab line to a job', () => {
  assert.deepEqual(jobsOfCommand('/nonexistent/hb wrap --job broken -- true'), ['broken']);
  assert.deepEqual(jobsOfCommand('/usr/bin/node /opt/hb/dist/hb.js tick dump'), ['dump']);
  assert.deepEqual(jobsOfCommand('cd /srv && hb wrap -- /usr/local/bin/backup.sh --full'), ['backup.sh']);
  assert.deepEqual(jobsOfCommand('/usr/local/bin/backup.sh && hb tick backup'), ['backup']);
  assert.deepEqual(jobsOfCommand('/usr/local/bin/backup.sh'), []);
  assert.deepEqual(jobsOfCommand('hb check'), []);
});

const DUE = at('2026-12-03T19:00:00Z');
const LAST = at('2026-12-03T18:59:00Z');
const cmd = (iso: string, command: string, jobPid: number | null, user = 'root'): CronLogEntry => ({
  atMs: at(iso),
  cronPid: 900,
  user,
  what: 'CMD',
  command,
  jobPid,
  exitStatus: null,
});
const view = (entries: CronLogEntry[], over: Partial<CronLogView> = {}): CronLogView => ({
  source: '/var/log/syslog',
  entries,
  coversFromMs: at('2026-12-03T18:00:00Z'),
  lastWrittenMs: at('2026-12-03T19:29:00Z'),
  ...over,
});
const target = { job: 'dump', dueMs: DUE, lastMs: LAST, lineKnown: false };

test('cron started the job and no heartbeat followed: the command failed before hb ran, with its exit status when cron logged one', () => {
  const run = cmd('2026-12-03T19:00:01Z', 'hb wrap --job dump -- /usr/local/bin/dump', 4242, 'alice');
  const failed: CronLogEntry = { ...run, what: 'failed', user: null, command: '', exitStatus: 127 };
  const e = cronLogEvidence(view([run, failed]), target, NOW);
  assert.equal(e?.weight, 'cause');
  assert.equal(
    e?.text,
    'cron started it at 19:00 UTC (pid 4242), it exited 127 but no heartbeat followed: the command failed before hb ran (run it by hand as alice)',
  );
  assert.equal(e?.facts.started_at, '2026-12-03T19:00:01.000Z');
  assert.equal(e?.facts.exit_status, 127);
  // Without -L 8 cron names no job pid: the CRON[PID] process is named instead.
  const plain = cronLogEvidence(view([cmd('2026-12-03T19:00:01Z', 'hb tick dump', null)]), target, NOW);
  assert.equal(plain?.text, 'cron started it at 19:00 UTC (pid 900) but no heartbeat followed: the command failed before hb ran (run it by hand as root)');
});

test('a run cron started that has not ended, in a log that records ends, is still going: a clue, not a failure', () => {
  const run = cmd('2026-12-03T19:00:01Z', 'hb tick dump', 4242);
  const otherEnd: CronLogEntry = { ...cmd('2026-12-03T19:00:01Z', 'true', 5000), what: 'END' };
  const e = cronLogEvidence(view([run, otherEnd]), target, NOW);
  assert.equal(e?.weight, 'clue');
  assert.match(e.text, /^cron started it at 19:00 UTC \(pid 4242\); it has not ended and wrote no heartbeat yet/);
  assert.equal(e?.facts.ended, false);
});

test('a run before the due time that a heartbeat followed is not the missed one: the log has no run since', () => {
  const earlier = cmd('2026-12-03T18:59:00Z', 'hb tick dump', 4000);
  const e = cronLogEvidence(view([earlier]), target, NOW);
  assert.equal(e?.weight, 'cause');
  assert.equal(e?.text, "cron's log (/var/log/syslog) has no run of it since it was due at 19:00 UTC");
  assert.equal(e?.facts.runs_seen, 1);
});

test('no run since the due time is a cause when cron is known to log a command naming the job, else a clue that says why not', () => {
  const other = cmd('2026-12-03T19:10:00Z', 'hb tick other', 4000);
  const unknown = cronLogEvidence(view([other]), target, NOW);
  assert.equal(unknown?.weight, 'clue');
  assert.equal(unknown?.text, "cron's log (/var/log/syslog) has no run of it since it was due at 19:00 UTC (if a script runs hb for it, look for that script)");
  const known = cronLogEvidence(view([other]), { ...target, lineKnown: true }, NOW);
  assert.equal(known?.weight, 'cause');
});

test('a log that does not reach back to the due time, or stopped being written before it, says it cannot tell', () => {
  const late = cronLogEvidence(view([], { coversFromMs: at('2026-12-03T19:20:00Z') }), target, NOW);
  assert.equal(late?.weight, 'clue');
  assert.equal(late?.text, "cron's log (/var/log/syslog) starts at 19:20 UTC, after it was due at 19:00 UTC: it cannot tell whether cron ran it");
  const empty = cronLogEvidence(view([], { coversFromMs: null }), target, NOW);
  assert.equal(empty?.weight, 'clue');
  assert.equal(empty?.text, "cron's log (/var/log/syslog) holds nothing from before it was due at 19:00 UTC: it cannot tell whether cron ran it");
  const silent = cronLogEvidence(view([], { lastWrittenMs: at('2026-12-03T18:50:00Z') }), target, NOW);
  assert.equal(silent?.weight, 'clue');
  assert.equal(silent?.text, "cron's log (/var/log/syslog) was last written 40m ago, before it was due at 19:00 UTC: is the system logger running?");
});
