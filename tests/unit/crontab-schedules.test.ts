// Schedules from crontab lines (hb check's lookup), and which files and paths it reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mayStartHb } from '../../lib/rules/crontab/hb-line.ts';
import { crontabLookup } from '../../lib/rules/crontab/lookup.ts';
import { seededRandom } from '../helpers.ts';
import { parseCrontab } from '../../lib/rules/crontab/parse.ts';
import { crontabSchedules } from '../../lib/rules/crontab/schedules.ts';
import { crontabPaths, cronDNameOk } from '../../lib/rules/crontab/locations.ts';
import { readCrontabs } from '../../lib/adapters/crontab/sources.ts';

const HB = '/usr/bin/node /opt/hb/dist/hb.js';
const system = (text: string, file = '/etc/cron.d/hb') => parseCrontab(text, { kind: 'system', file });

test("hb tick, wrap and check lines give their jobs the line's schedule, in the host zone whatever CRON_TZ says (Debian cron ignores it)", () => {
  const map = crontabSchedules([
    system(
      [
        `*/10 * * * * root ${HB} tick pinged`,
        `0 2 * * 5#3 root ${HB} tick truncated`,
        'CRON_TZ=Europe/Berlin',
        `30 2 * * * root ${HB} wrap --job nightly -- /usr/bin/true`,
        `@hourly root /usr/local/bin/hb wrap -- /usr/local/bin/rotate-logs`,
        `* * * * * root ${HB} check --textfile /x.prom`,
        `@reboot root ${HB} tick at-boot`,
        `*/5 * * * * root ${HB} tick pinged`,
        '',
      ].join('\n'),
    ),
  ]);
  assert.deepEqual(Object.fromEntries(map), {
    pinged: { cron: '*/10 * * * *' },
    truncated: { cron: '0 2 * * 5' },
    nightly: { cron: '30 2 * * *' },
    'rotate-logs': { cron: '@hourly' },
    'hb-check': { cron: '* * * * *' },
  });
  const refused = system(`*/10 * * * * root ${HB} tick pinged\n61 * * * * root ${HB} tick refused\n`);
  assert.deepEqual(Object.fromEntries(crontabSchedules([refused])), {}, 'one line cron refuses: cron ignores the whole file');
});

test('a line that runs hb behind flock FILE lends its schedule as one behind nice does; flock -c CODE runs code, not hb', () => {
  const map = crontabSchedules([
    system(
      [
        `0 1 * * * root flock -n /run/lock/sync.lock ${HB} wrap --job sync -- /usr/local/bin/sync.sh`,
        `0 2 * * * root /usr/bin/flock -w 30 /run/lock/x.lock nice -n 10 ${HB} tick export`,
        `0 3 * * * root flock /run/lock/y.lock -c '${HB} tick inline'`,
        '',
      ].join('\n'),
    ),
  ]);
  assert.deepEqual(Object.fromEntries(map), { sync: { cron: '0 1 * * *' }, export: { cron: '0 2 * * *' } });
});

test('a file cron ignores for its missing final newline gives nothing; earlier files win', () => {
  const first = parseCrontab(`0 1 * * * ${HB} tick a\n`, { kind: 'user', file: '/var/spool/cron/crontabs/root' });
  const second = system(`0 2 * * * root ${HB} tick a\n0 3 * * * root ${HB} tick b\n`);
  const broken = system(`0 4 * * * root ${HB} tick c`);
  assert.deepEqual(Object.fromEntries(crontabSchedules([first, second, broken])), { a: { cron: '0 1 * * *' }, b: { cron: '0 3 * * *' } });
});

test('paths: $HB_CRONTAB_PATHS overrides (empty: none), else the spool file of the user, /etc/crontab, /etc/cron.d', () => {
  let asked = 0;
  const user = () => (asked++, 'alice');
  assert.deepEqual(crontabPaths({ HB_CRONTAB_PATHS: '/a:/b/cron.d::' }, user), ['/a', '/b/cron.d']);
  assert.deepEqual(crontabPaths({ HB_CRONTAB_PATHS: '' }, user), []);
  assert.equal(asked, 0, 'the user is not asked when the paths are given');
  assert.deepEqual(crontabPaths({}, user), ['/var/spool/cron/crontabs/alice', '/etc/crontab', '/etc/cron.d']);
  assert.deepEqual(
    crontabPaths({}, () => ''),
    ['/etc/crontab', '/etc/cron.d'],
  );
});

test("cron.d names: run-parts' rule", () => {
  for (const ok of ['hb', 'e2scrub_all', 'php-fpm', 'A9']) assert.ok(cronDNameOk(ok), ok);
  for (const bad of ['backup.sh', '.placeholder', 'hb.dpkg-old', 'my job', 'x~', '']) assert.ok(!cronDNameOk(bad), bad);
});

test('reading: directories as cron reads /etc/cron.d, user files in a crontabs folder, missing paths skipped', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hb-crontabs-'));
  try {
    const d = join(root, 'cron.d');
    mkdirSync(d);
    mkdirSync(join(root, 'crontabs'));
    writeFileSync(join(d, 'b-jobs'), `0 2 * * * root ${HB} tick b\n`);
    writeFileSync(join(d, 'a-jobs'), `0 1 * * * root ${HB} tick a\n`);
    writeFileSync(join(d, 'dotted.sh'), `0 3 * * * root ${HB} tick dotted\n`);
    writeFileSync(join(d, 'writable'), `0 4 * * * root ${HB} tick writable\n`);
    chmodSync(join(d, 'writable'), 0o664);
    mkdirSync(join(d, 'subdir'));
    writeFileSync(join(root, 'crontabs', 'alice'), `0 5 * * * ${HB} tick mine\n`);
    const read = await readCrontabs([join(root, 'crontabs', 'alice'), join(root, 'nothing'), d]);
    assert.deepEqual(
      read.map((r) => [r.path.slice(root.length), r.kind, r.owner]),
      [
        ['/crontabs/alice', 'user', 'alice'],
        ['/cron.d/a-jobs', 'system', null],
        ['/cron.d/b-jobs', 'system', null],
      ],
    );
    // Lines for root's default directory, and alice's own, lend to alice's check of hers.
    const alice = {
      user: 'alice',
      isRoot: false,
      home: '/home/alice',
      stateDir: '/home/alice/.local/state/hb',
      config: { file: null, stateDir: null },
      exists: () => false,
    };
    const lookup = crontabLookup(
      () => readCrontabs([d, join(root, 'crontabs', 'alice')]),
      () => alice,
    );
    assert.deepEqual(await Promise.all(['a', 'mine', 'dotted', 'writable'].map(lookup)), [null, { cron: '0 5 * * *' }, null, null]);
    const asRoot = crontabLookup(
      () => readCrontabs([d, join(root, 'crontabs', 'alice')]),
      () => ({ ...alice, user: 'root', isRoot: true, home: '/root', stateDir: '/var/lib/hb' }),
    );
    assert.deepEqual(await Promise.all(['a', 'mine'].map(asRoot)), [{ cron: '0 1 * * *' }, null]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the lookup reads nothing and asks nothing until asked, then once; who checks only when a crontab can start hb', async () => {
  const root = { user: 'root', isRoot: true, home: '/root', stateDir: '/var/lib/hb', config: { file: null, stateDir: null }, exists: () => false };
  const other = { path: '/etc/crontab', kind: 'system' as const, owner: null, text: '17 * * * * root cd / && run-parts --report /etc/cron.hourly\n' };
  const withHb = { path: '/etc/cron.d/hb', kind: 'system' as const, owner: null, text: `*/5 * * * * root ${HB} tick pinged\n` };
  for (const [texts, asked, pinged] of [
    [[], 0, null],
    [[other], 0, null],
    [[other, withHb], 1, { cron: '*/5 * * * *' }],
  ] as const) {
    let [reads, targets] = [0, 0];
    const lookup = crontabLookup(
      async () => (reads++, texts),
      () => (targets++, root),
    );
    assert.deepEqual([reads, targets], [0, 0]);
    assert.deepEqual(await Promise.all([lookup('x'), lookup('pinged')]), [null, pinged]);
    assert.equal(await lookup('z'), null);
    assert.deepEqual([reads, targets], [1, asked], `${texts.length} crontabs`);
  }
});

test('a crontab in which the parser finds an hb command always may start hb, however the words are quoted', () => {
  const lines = [
    'hb tick a',
    'h"b" tick a',
    "'h'b tick a",
    'h\\b tick a',
    "/usr/local/bin/h''b check",
    'node /opt/hb/dist/h"b".js check',
    '"/opt/x/h"\\b check',
    'cd /tmp && h""b tick a',
  ];
  for (const command of lines) {
    const text = `* * * * * root ${command}\n`;
    const found = system(text).lines.some((l) => l.kind === 'job' && l.hb.length > 0);
    assert.ok(found, `the parser finds hb in ${command}`);
    assert.ok(mayStartHb(text), command);
  }
  // Random program words over the characters that matter: whenever the parser sees hb, so does the filter.
  const chars = ['h', 'b', 'h', 'b', '"', "'", '\\', '/', '.js', 'x', '$x'];
  const starts = ['', 'cd / && ', 'node ', 'node /opt/', '/usr/bin/'];
  const random = seededRandom(17);
  const pick = <T>(from: readonly T[]): T => from[Math.floor(random() * from.length)]!;
  let seen = 0;
  for (let i = 0; i < 4000; i++) {
    const word = Array.from({ length: 2 + Math.floor(random() * 5) }, () => pick(chars)).join('');
    const text = `* * * * * root ${pick(starts)}${word} tick a\n`;
    if (!system(text).lines.some((l) => l.kind === 'job' && l.hb.length > 0)) continue;
    seen++;
    assert.ok(mayStartHb(text), JSON.stringify(text));
  }
  assert.ok(seen > 30, `enough words that start hb (${seen})`);
  assert.equal(mayStartHb('17 * * * * root cd / && run-parts --report /etc/cron.hourly\n'), false);
});

test('a user crontab that exists but cannot be read is asked of the reader (crontab -l); an absent one is not', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hb-crontabs-'));
  try {
    // Root reads every file: a spool path under a plain file (ENOTDIR) stands in for EACCES.
    writeFileSync(join(root, 'file'), '');
    const unreadable = join(root, 'file', 'crontabs', 'alice');
    const absent = join(root, 'crontabs', 'bob');
    const asked: string[] = [];
    const reader = async (owner: string) => (asked.push(owner), owner === 'alice' ? `0 5 * * * ${HB} tick mine\n` : null);
    const read = await readCrontabs([unreadable, absent, join(root, 'file', 'crontabs', 'carol')], reader);
    assert.deepEqual(asked, ['alice', 'carol']);
    assert.deepEqual(read, [{ path: unreadable, kind: 'user', owner: 'alice', text: `0 5 * * * ${HB} tick mine\n` }]);
    assert.deepEqual(await readCrontabs([unreadable]), [], 'without a reader it is skipped');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
