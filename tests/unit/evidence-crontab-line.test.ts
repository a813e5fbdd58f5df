// Evidence of kind crontab_line: which lines start which job as cron reads them (index), what the
// rule says for each state of the line, and the reader of the host's crontabs against a directory
// of fake ones (a spool, a cron.d with files cron skips, HB_CRONTAB_PATHS).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexJobLines, type JobLineRef } from '../../lib/rules/evidence/crontab-index.ts';
import { changedAfter, crontabLineEvidence, type CrontabLineFacts, type WatchedPath } from '../../lib/rules/evidence/crontab-line.ts';
import type { CrontabSource } from '../../lib/rules/doctor/types.ts';
import { readHostCrontabs, type CrontabHost } from '../../lib/adapters/evidence/crontabs.ts';
import { crontabLineGatherer } from '../../lib/adapters/evidence/crontab-line.ts';
import type { ExplainContext, ExplainTarget } from '../../lib/check/explain.ts';
import { explainTarget } from './explain-target.ts';

const H = 3600_000;
const NOW = Date.parse('2026-12-03T12:00:00Z');

const cronD = (name: string, text: string, over: Partial<CrontabSource> = {}): CrontabSource => ({
  path: `/etc/cron.d/${name}`,
  kind: 'system',
  cronD: true,
  text,
  mode: 0o644,
  uid: 0,
  owner: null,
  ...over,
});
const spool = (user: string, text: string): CrontabSource => ({
  path: `/var/spool/cron/crontabs/${user}`,
  kind: 'user',
  cronD: false,
  text,
  mode: 0o600,
  uid: 0,
  owner: user,
});
const states = (refs: JobLineRef[] | undefined) => (refs ?? []).map((r) => `${r.file}:${r.line} ${r.state}${r.ignored ? ` ${r.ignored.rule}` : ''}`);

test('index: tick, wrap and check lines start their jobs; a flock in front of hb is looked through', () => {
  const byJob = indexJobLines(
    [
      cronD('jobs', '0 3 * * * root hb wrap --job backup -- /usr/local/bin/backup.sh\n*/5 * * * * root /usr/local/bin/hb tick ping\n* * * * * root hb check\n'),
      spool('alice', '0 * * * * flock -n /var/lock/sync.lock hb wrap --job sync -- rsync -a /a /b\n30 1 * * * /opt/dump.sh\n'),
    ],
    null,
  );
  assert.deepEqual(states(byJob.get('backup')), ['/etc/cron.d/jobs:1 runs']);
  assert.deepEqual(states(byJob.get('ping')), ['/etc/cron.d/jobs:2 runs']);
  assert.deepEqual(states(byJob.get('hb-check')), ['/etc/cron.d/jobs:3 runs']);
  assert.deepEqual(states(byJob.get('sync')), ['/var/spool/cron/crontabs/alice:1 runs']);
  assert.equal(byJob.get('sync')![0]!.schedule, '0 * * * *');
  assert.equal(byJob.has('dump.sh'), false, 'a line that does not run hb starts no hb job');
});

test("index: a commented-out line that would run the job, and the files cron ignores, each with doctor's rule", () => {
  const byJob = indexJobLines(
    [
      cronD('backup', '# 0 3 * * * root hb wrap --job backup -- /usr/local/bin/backup.sh\n# just a comment about hb\n'),
      cronD('back.up', '0 4 * * * root hb tick dotted\n'),
      cronD('loose', '0 4 * * * root hb tick loose\n', { mode: 0o664 }),
      cronD('owned', '0 4 * * * root hb tick owned\n', { uid: 1000 }),
      cronD('broken', '0 4 * * * root hb tick broken\n61 * * * * root true\n'),
      cronD('nouser', '0 4 * * * nosuchuser hb tick nouser\n'),
    ],
    new Set(['root']),
  );
  assert.deepEqual(states(byJob.get('backup')), ['/etc/cron.d/backup:1 commented_out']);
  assert.deepEqual(states(byJob.get('dotted')), ['/etc/cron.d/back.up:1 ignored_file crond-name']);
  assert.match(byJob.get('dotted')![0]!.ignored!.why, /a name with "\."/);
  assert.deepEqual(states(byJob.get('loose')), ['/etc/cron.d/loose:1 ignored_file crond-mode']);
  assert.match(byJob.get('loose')![0]!.ignored!.why, /mode 0664 is group- or other-writable/);
  assert.deepEqual(states(byJob.get('owned')), ['/etc/cron.d/owned:1 ignored_file crond-owner']);
  assert.deepEqual(states(byJob.get('broken')), ['/etc/cron.d/broken:1 ignored_file invalid-line']);
  assert.match(byJob.get('broken')![0]!.ignored!.why, /^line 2: bad minute/);
  assert.deepEqual(states(byJob.get('nouser')), ['/etc/cron.d/nouser:1 ignored_file unknown-user']);
  // Without the host's users, a user is not judged: the line runs as far as hb can tell.
  assert.deepEqual(states(indexJobLines([cronD('nouser', '0 4 * * * nosuchuser hb tick nouser\n')], null).get('nouser')), ['/etc/cron.d/nouser:1 runs']);
});

function ref(state: JobLineRef['state'], over: Partial<JobLineRef> = {}): JobLineRef {
  return {
    file: '/etc/cron.d/backup',
    line: 3,
    state,
    schedule: '0 3 * * *',
    cronSchedule: '0 3 * * *',
    oddity: null,
    ignored: state === 'ignored_file' ? { why: 'a name with "."', rule: 'crond-name' } : null,
    parsed: null as never,
    ...over,
  };
}
const facts = (over: Partial<CrontabLineFacts>): CrontabLineFacts => ({
  refs: [],
  nextDueMs: [],
  lastMs: NOW - 25 * H,
  nowMs: NOW,
  jobCron: null,
  watched: [],
  ranAs: null,
  ...over,
});
const one = (over: Partial<CrontabLineFacts>) => {
  const items = crontabLineEvidence(facts(over));
  assert.equal(items.length, 1);
  assert.equal(items[0]!.kind, 'crontab_line');
  assert.ok(items[0]!.text.length <= 160, items[0]!.text);
  return items[0]!;
};

test('rule: a line present is ruled out (clear) with its file:line and schedule', () => {
  const e = one({ refs: [ref('runs')], nextDueMs: [NOW - 9 * H] });
  assert.equal(e.weight, 'clear');
  assert.equal(e.text, 'crontab line /etc/cron.d/backup:3 runs it: 0 3 * * *');
  assert.deepEqual(e.facts, {
    state: 'runs',
    file: '/etc/cron.d/backup',
    line: 3,
    schedule: '0 3 * * *',
    rule: null,
    next_due: null,
    changed: null,
    changed_at: null,
  });
});

test('rule: a line present whose schedule cannot have fired since the last run is a clue', () => {
  const notDue = one({ refs: [ref('runs', { schedule: '0 3 * * 0', cronSchedule: '0 3 * * 0' })], nextDueMs: [NOW + 48 * H], jobCron: '0 3 * * *' });
  assert.equal(notDue.weight, 'clue');
  assert.equal(
    notDue.text,
    "crontab line /etc/cron.d/backup:3 runs it at 0 3 * * 0, not the job's 0 3 * * *: not due since the last run (next 2026-12-05 12:00 UTC)",
  );
  assert.equal(notDue.facts.next_due, '2026-12-05T12:00:00.000Z');
  const never = one({ refs: [ref('runs', { schedule: '0 0 31 2 *', oddity: 'day 31 never comes in February' })], nextDueMs: [null] });
  assert.equal(never.weight, 'clue');
  assert.equal(never.text, 'crontab line /etc/cron.d/backup:3 never fires: day 31 never comes in February');
  const boot = one({ refs: [ref('runs', { schedule: '@reboot', cronSchedule: null })], nextDueMs: [null] });
  assert.equal(boot.weight, 'clue');
  assert.equal(boot.text, 'crontab line /etc/cron.d/backup:3 runs it only at boot (@reboot)');
  // A job that never ran has no last run to be due after: the line is simply there.
  assert.equal(one({ refs: [ref('runs')], nextDueMs: [NOW + H], lastMs: null }).weight, 'clear');
});

test('rule: a commented-out line and a line in a file cron ignores are each the cause', () => {
  const commented = one({ refs: [ref('commented_out')] });
  assert.equal(commented.weight, 'cause');
  assert.equal(commented.text, 'the line is commented out: /etc/cron.d/backup:3 (0 3 * * *)');
  assert.equal(commented.facts.state, 'commented_out');
  const ignored = one({ refs: [ref('ignored_file', { file: '/etc/cron.d/back.up' })] });
  assert.equal(ignored.weight, 'cause');
  assert.equal(ignored.text, '/etc/cron.d/back.up is ignored by cron: a name with "." (line 3 runs it)');
  assert.equal(ignored.facts.rule, 'crond-name');
  // A line cron runs outweighs a commented copy: the job has its line.
  const both = crontabLineEvidence(facts({ refs: [ref('commented_out'), ref('runs', { line: 4 })], nextDueMs: [null, NOW - H] }));
  assert.deepEqual(
    both.map((e) => [e.weight, e.facts.line]),
    [['clear', 4]],
  );
});

test('rule: no line at all is the cause, "removed since the last run" only when a crontab that could hold it changed after it', () => {
  const last = NOW - 25 * H;
  const watched: WatchedPath[] = [
    { path: '/var/spool/cron/crontabs', mtimeMs: NOW - 40 * 60_000, dir: true, owner: null },
    { path: '/var/spool/cron/crontabs/alice', mtimeMs: NOW - 40 * 60_000, dir: false, owner: 'alice' },
    { path: '/etc/crontab', mtimeMs: last - H, dir: false, owner: null },
  ];
  const missing = one({ watched: watched.slice(2) });
  assert.equal(missing.weight, 'cause');
  assert.equal(missing.text, 'no crontab line runs it');
  assert.equal(missing.facts.state, 'missing');
  // alice's run wrote the last heartbeat and her own crontab changed since: the line was there.
  const removed = one({ watched, ranAs: 'alice' });
  assert.equal(removed.text, 'no crontab line runs it: removed since the last run (/var/spool/cron/crontabs/alice changed 40m ago, after the last run)');
  assert.deepEqual(
    [removed.facts.state, removed.facts.changed, removed.facts.changed_at],
    ['removed', '/var/spool/cron/crontabs/alice', '2026-12-03T11:20:00.000Z'],
  );
  // Who ran it is not known: a crontab changed since, which may never have held the line.
  const unsure = one({ watched });
  assert.equal(unsure.text, 'no crontab line runs it (/var/spool/cron/crontabs/alice changed 40m ago, after the last run: removed then?)');
  assert.deepEqual([unsure.facts.state, unsure.facts.changed], ['missing', '/var/spool/cron/crontabs/alice']);
  // A job bob ran cannot have been in alice's crontab: only the spool directory changed for him.
  const bob = one({ watched, ranAs: 'bob' });
  assert.equal(bob.text, 'no crontab line runs it (/var/spool/cron/crontabs changed 40m ago, a crontab added or removed, after the last run: removed then?)');
  assert.equal(bob.facts.state, 'missing');
  // alice's own crontab tells more than a system one changed later.
  const later = [...watched, { path: '/etc/crontab', mtimeMs: NOW - 60_000, dir: false, owner: null }];
  assert.equal(one({ watched: later, ranAs: 'alice' }).facts.changed, '/var/spool/cron/crontabs/alice');
  assert.equal(one({ watched: later }).facts.changed, '/etc/crontab');
  // Never ran: nothing to have been removed since.
  assert.equal(one({ watched, lastMs: null }).text, 'no crontab line runs it');
  // A change in the future (a clock set back) shows nothing.
  assert.equal(changedAfter([{ path: '/etc/crontab', mtimeMs: NOW + H, dir: false, owner: null }], last, NOW), null);
});

/** A directory of crontabs laid out as Debian's. */
function fakeHost(t: { after(fn: () => void): void }) {
  const root = mkdtempSync(join(tmpdir(), 'hb-ev-crontab-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const crontabs = join(root, 'spool', 'crontabs');
  const d = join(root, 'cron.d');
  mkdirSync(crontabs, { recursive: true });
  mkdirSync(d);
  writeFileSync(join(crontabs, 'root'), '0 3 * * * hb wrap --job backup -- /bin/true\n');
  writeFileSync(join(crontabs, 'alice'), '# 0 4 * * * hb tick report --state-dir /var/lib/hb\n');
  // bob's backup writes to his own state directory: another job than root's backup.
  writeFileSync(join(crontabs, 'bob'), '0 2 * * * hb tick backup\n15 2 * * * hb tick backup --state-dir "$STATE"\n');
  // A line commented out under the file's HB_STATE_DIR: uncommented, it would write to the checked directory.
  writeFileSync(join(d, 'jobs'), '0 5 * * * root hb tick ping\nHB_STATE_DIR=/var/lib/hb\n# 0 6 * * * alice hb tick envjob\n');
  writeFileSync(join(d, 'jobs.dpkg-old'), '0 5 * * * root hb tick old\n');
  writeFileSync(join(d, 'loose'), '0 5 * * * root hb tick loose\n');
  chmodSync(join(d, 'loose'), 0o664);
  writeFileSync(join(root, 'crontab'), '0 6 * * * root hb tick sys\n');
  const host: CrontabHost & { asked: string[] } = {
    asked: [],
    askCrontab: async (owner) => {
      host.asked.push(owner);
      return null;
    },
    users: () => ({
      byUid: new Map([[0, 'root']]),
      homes: new Map([
        ['root', '/root'],
        ['alice', '/home/alice'],
        ['bob', '/home/bob'],
      ]),
    }),
    me: () => 'root',
  };
  return { root, crontabs, d, host };
}

test('reader: as root every spool file beside its own, /etc/crontab, and every cron.d file, those cron skips marked', async (t) => {
  const { root, crontabs, d, host } = fakeHost(t);
  const env = { HB_CRONTAB_PATHS: `${join(crontabs, 'root')}:${join(root, 'crontab')}:${d}` };
  const ctx = { env, isRoot: true, dirs: ['/var/lib/hb'], config: { file: null, defaults: {}, notify: [], jobs: new Map() } };
  const got = await readHostCrontabs(ctx, host);
  assert.equal(got.none, false);
  assert.deepEqual(
    got.sources.map((s) => [s.path.slice(root.length), s.kind, s.owner]),
    [
      ['/spool/crontabs/alice', 'user', 'alice'],
      ['/spool/crontabs/bob', 'user', 'bob'],
      ['/spool/crontabs/root', 'user', 'root'],
      ['/crontab', 'system', null],
      ['/cron.d/jobs', 'system', null],
      ['/cron.d/jobs.dpkg-old', 'system', null],
      ['/cron.d/loose', 'system', null],
    ],
  );
  assert.deepEqual(
    states(got.byJob.get('report')).map((s) => s.slice(root.length)),
    ['/spool/crontabs/alice:1 commented_out'],
  );
  // bob's first line writes to his own state directory: not this job. His second writes where
  // only the shell knows ("$STATE"): it may be, so it counts.
  assert.deepEqual(
    states(got.byJob.get('backup')).map((s) => s.slice(root.length)),
    ['/spool/crontabs/bob:2 runs', '/spool/crontabs/root:1 runs'],
  );
  assert.deepEqual(
    states(got.byJob.get('envjob')).map((s) => s.slice(root.length)),
    ['/cron.d/jobs:3 commented_out'],
  );
  assert.deepEqual(
    states(got.byJob.get('old')).map((s) => s.slice(root.length)),
    ['/cron.d/jobs.dpkg-old:1 ignored_file crond-name'],
  );
  assert.deepEqual(
    states(got.byJob.get('loose')).map((s) => s.slice(root.length)),
    ['/cron.d/loose:1 ignored_file crond-mode'],
  );
  assert.deepEqual(
    states(got.byJob.get('sys')).map((s) => s.slice(root.length)),
    ['/crontab:1 runs'],
  );
  assert.ok(got.watched.some((w) => w.path === crontabs && w.dir) && got.watched.some((w) => w.path === d && w.dir));
  assert.equal(got.watched.find((w) => w.path === join(crontabs, 'alice'))?.owner, 'alice');
  assert.deepEqual(host.asked, []);
  // As a user, only its own spool file is read.
  const mine = await readHostCrontabs({ ...ctx, env: { HB_CRONTAB_PATHS: join(crontabs, 'root') }, isRoot: false }, host);
  assert.deepEqual(
    mine.sources.map((s) => s.owner),
    ['root'],
  );
  // No locations at all: nothing can be said.
  assert.equal((await readHostCrontabs({ ...ctx, env: { HB_CRONTAB_PATHS: '' } }, host)).none, true);
});

function target(job: string, status: 'stale' | 'never' | 'failed', lastMs: number | null, file: string | null = null): ExplainTarget {
  return explainTarget(job, status, {
    facts: { file, firstSeenMs: NOW - 48 * H },
    judgement: { spec: { every: '1h' }, source: 'config', lastMs, periodMs: H, graceMs: H },
  });
}

test('gatherer: stale and never-ran jobs only, each with its line; a removed one named by what changed', async (t) => {
  const { root, crontabs, d, host } = fakeHost(t);
  // gone's last heartbeat was written by a run of root (uid 0 in the fake passwd).
  const heartbeat = join(root, 'gone.last');
  writeFileSync(heartbeat, '{}');
  // root's crontab changed after gone's last run, 25 hours ago.
  utimesSync(join(crontabs, 'root'), new Date(NOW - 30 * 60_000), new Date(NOW - 30 * 60_000));
  for (const p of [join(crontabs, 'alice'), crontabs, d, join(d, 'jobs'), join(d, 'loose'), join(d, 'jobs.dpkg-old')])
    utimesSync(p, new Date(NOW - 50 * H), new Date(NOW - 50 * H));
  const ctx = {
    nowMs: NOW,
    dirs: ['/var/lib/hb'],
    config: { file: null, defaults: {}, notify: [], jobs: new Map() },
    env: { HB_CRONTAB_PATHS: `${crontabs}:${d}` },
    isRoot: true,
    procRoot: '/nonexistent',
    timing: (_spec: unknown, anchor: number) => ({ dueMs: anchor + H, periodMs: H }),
  } as unknown as ExplainContext;
  const got = await crontabLineGatherer(host)(
    [
      target('backup', 'stale', NOW - 3 * H),
      target('report', 'never', null),
      target('gone', 'stale', NOW - 25 * H, heartbeat),
      target('ping', 'failed', NOW - H),
    ],
    ctx,
  );
  assert.deepEqual([...got.keys()], ['backup', 'report', 'gone']);
  assert.deepEqual(
    got.get('backup')!.map((e) => [e.weight, String(e.facts.file).slice(root.length)]),
    [
      ['clear', '/spool/crontabs/bob'],
      ['clear', '/spool/crontabs/root'],
    ],
  );
  assert.deepEqual(
    got.get('report')!.map((e) => e.text.replace(root, '')),
    ['the line is commented out: /spool/crontabs/alice:1 (0 4 * * *)'],
  );
  assert.equal(
    got.get('gone')![0]!.text.replace(root, ''),
    'no crontab line runs it: removed since the last run (/spool/crontabs/root changed 30m ago, after the last run)',
  );
});
