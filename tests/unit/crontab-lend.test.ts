// The lending rule of hb check's schedule lookup (SPEC §4): a crontab line lends its schedule
// only when it runs for the checking user and its hb writes to the check's state directory,
// worked out as hb works out its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lends, lineStateDir, type LendTarget } from '../../lib/rules/crontab/lend.ts';
import { parseCrontab, type CrontabKind, type JobLine } from '../../lib/rules/crontab/parse.ts';
import { crontabSchedules } from '../../lib/rules/crontab/schedules.ts';
import { chooseStateDir } from '../../lib/adapters/state/dir.ts';

const HB = '/usr/bin/node /opt/hb/dist/hb.js';
const ROOT: LendTarget = { user: 'root', isRoot: true, home: '/root', stateDir: '/var/lib/hb', config: { file: null, stateDir: null }, exists: () => false };
const ALICE: LendTarget = {
  user: 'alice',
  isRoot: false,
  home: '/home/alice',
  stateDir: '/home/alice/.local/state/hb',
  config: { file: null, stateDir: null },
  exists: () => false,
};

/** The last line of `text` (a whole crontab) and its hb command, as the lookup sees them. */
function lastHb(text: string, kind: CrontabKind, owner: string | null) {
  const parsed = parseCrontab(`${text}\n`, { kind, file: 'f', owner });
  const line = parsed.lines.at(-1) as JobLine;
  assert.equal(line.kind, 'job', text);
  assert.equal(line.hb.length, 1, `${text}: one hb command`);
  return { line, h: line.hb[0]!, runsAs: line.user ?? owner };
}
const system = (text: string, t = ROOT) => {
  const { line, h, runsAs } = lastHb(text, 'system', null);
  return { dir: lineStateDir(line, h, t), lends: lends(t, runsAs, line, h) };
};
const alices = (text: string, t = ALICE, owner = 'alice') => {
  const { line, h, runsAs } = lastHb(text, 'user', owner);
  return { dir: lineStateDir(line, h, t), lends: lends(t, runsAs, line, h) };
};

test('a line that points elsewhere lends nothing, whichever way it says so', () => {
  const cases: Array<[string, { dir: string | null; lends: boolean }]> = [
    [`* * * * * root ${HB} wrap --job sync --cron '* * * * *' --state-dir /srv/other -- /bin/x`, { dir: '/srv/other', lends: false }],
    [`* * * * * root ${HB} tick sync --state-dir=/srv/other`, { dir: '/srv/other', lends: false }],
    [`* * * * * root ${HB} --state-dir /srv/other tick sync`, { dir: '/srv/other', lends: false }],
    [`* * * * * root HB_STATE_DIR=/srv/other ${HB} tick sync`, { dir: '/srv/other', lends: false }],
    [`* * * * * root env HB_STATE_DIR=/srv/other ${HB} tick sync`, { dir: '/srv/other', lends: false }],
    [`* * * * * root export HB_STATE_DIR=/srv/other; ${HB} tick sync`, { dir: '/srv/other', lends: false }],
    [`HB_STATE_DIR=/srv/other\n* * * * * root ${HB} tick sync`, { dir: '/srv/other', lends: false }],
    // The flag beats the variable, as in hb.
    [`HB_STATE_DIR=/var/lib/hb\n* * * * * root ${HB} tick sync --state-dir /srv/other`, { dir: '/srv/other', lends: false }],
    // Relative: from where cron starts the line (HOME), or where `cd` left it.
    [`* * * * * root ${HB} tick sync --state-dir hb`, { dir: '/root/hb', lends: false }],
    [`* * * * * root cd /srv && ${HB} tick sync --state-dir hb`, { dir: '/srv/hb', lends: false }],
    [`HOME=/srv\n* * * * * root ${HB} tick sync --state-dir ../var/lib/hb/x`, { dir: '/var/lib/hb/x', lends: false }],
    // Another user's line, even for this very directory.
    [`* * * * * www-data ${HB} tick sync --state-dir /var/lib/hb`, { dir: '/var/lib/hb', lends: false }],
    // Known only when the shell runs: never guessed.
    [`* * * * * root ${HB} tick sync --state-dir "$DIR"`, { dir: null, lends: false }],
    [`* * * * * root HB_STATE_DIR=$(cat /etc/dir) ${HB} tick sync`, { dir: null, lends: false }],
    [`* * * * * root cd "$D" && ${HB} tick sync --state-dir hb`, { dir: null, lends: false }],
    [`* * * * * root ${HB} tick sync --state-dir=~/hb`, { dir: null, lends: false }],
    // Another config: its state_dir is not read, so the line's directory is not known.
    [`* * * * * root ${HB} tick sync --config /etc/other.yaml`, { dir: null, lends: false }],
    [`HB_CONFIG=/etc/other.yaml\n* * * * * root ${HB} tick sync`, { dir: null, lends: false }],
  ];
  for (const [text, want] of cases) assert.deepEqual(system(text), want, text);

  // A user crontab runs as its owner: bob's line is not alice's, whatever it names.
  assert.deepEqual(alices(`* * * * * ${HB} tick sync`, ALICE, 'bob'), { dir: '/home/alice/.local/state/hb', lends: false });
  assert.deepEqual(alices(`* * * * * ${HB} tick sync --state-dir state`), { dir: '/home/alice/state', lends: false });
  assert.deepEqual(alices(`XDG_STATE_HOME=/srv/xdg\n* * * * * ${HB} tick sync`), { dir: '/srv/xdg/hb', lends: false });
  assert.deepEqual(alices(`* * * * * ${HB} tick sync`, { ...ALICE, home: null }), { dir: null, lends: false }, 'no passwd entry: no HOME to start from');
});

test('a line for the same user and directory lends, however the directory is written', () => {
  const cases = [
    `* * * * * root ${HB} tick sync`,
    `* * * * * root ${HB} tick sync --state-dir /var/lib//hb/`,
    `* * * * * root ${HB} tick sync --state-dir=/var/lib/x/../hb`,
    `* * * * * root cd /var/lib && ${HB} tick sync --state-dir ./hb`,
    `* * * * * root HB_STATE_DIR=/var/lib/hb/ ${HB} tick sync`,
    `HB_STATE_DIR=/srv/other\n* * * * * root HB_STATE_DIR=/var/lib/hb ${HB} tick sync`,
    `HB_STATE_DIR=/var/lib/hb\n* * * * * root ${HB} wrap --job sync -- /bin/x --state-dir /srv/other`,
    `HB_STATE_DIR=""\n* * * * * root ${HB} tick sync`,
  ];
  for (const text of cases) assert.deepEqual(system(text), { dir: '/var/lib/hb', lends: true }, text);

  const home = '/home/alice/.local/state/hb';
  for (const text of [
    `* * * * * ${HB} tick sync`,
    `#Ansible: sync\n*/5 * * * * /usr/local/bin/sync && ${HB} tick sync`,
    `* * * * * ${HB} tick sync --state-dir ~/.local/state/hb`,
    `* * * * * ${HB} tick sync --state-dir "$HOME/.local/state/hb"`,
    `* * * * * ${HB} tick sync --state-dir .local/state/hb`,
    `* * * * * HB_STATE_DIR=~/.local/state/hb ${HB} tick sync`,
  ])
    assert.deepEqual(alices(text), { dir: home, lends: true }, text);
});

test("the config's state_dir counts when the line's hb reads the check's own config file", () => {
  const withConfig: LendTarget = {
    ...ROOT,
    stateDir: '/srv/hb',
    config: { file: '/etc/hb/hb.yaml', stateDir: '/srv/hb' },
    exists: (p) => p === '/etc/hb/hb.yaml',
  };
  for (const text of [
    `* * * * * root ${HB} tick sync --config /etc/hb/hb.yaml`,
    `HB_CONFIG=/etc/hb/hb.yaml\n* * * * * root ${HB} tick sync`,
    `* * * * * root ${HB} tick sync`, // found by hb's own search
  ])
    assert.deepEqual(system(text, withConfig), { dir: '/srv/hb', lends: true }, text);
  // The check's config sets no state_dir: the default applies to lines that read it.
  assert.deepEqual(
    system(`* * * * * root ${HB} tick sync --config /etc/hb/hb.yaml`, {
      ...withConfig,
      stateDir: '/var/lib/hb',
      config: { file: '/etc/hb/hb.yaml', stateDir: null },
    }),
    { dir: '/var/lib/hb', lends: true },
  );
  // A line that finds a config the check does not use, or none where the check has one.
  assert.deepEqual(system(`* * * * * root ${HB} tick sync`, { ...ROOT, exists: (p) => p === '/root/hb.yaml' }), { dir: null, lends: false });
  assert.deepEqual(system(`* * * * * root ${HB} tick sync`, { ...withConfig, exists: () => false }), { dir: '/var/lib/hb', lends: false });
});

test('the directory a line resolves to is the one chooseStateDir picks for the same inputs', () => {
  for (const flag of [undefined, '/abs', 'rel']) {
    for (const envDir of [undefined, '/env', 'env-rel']) {
      for (const xdg of [undefined, '/xdg', 'xdg-rel']) {
        for (const isRoot of [false, true]) {
          const settings = [envDir && `HB_STATE_DIR=${envDir}`, xdg && `XDG_STATE_HOME=${xdg}`].filter(Boolean).join('\n');
          const text = `${settings}\n* * * * * ${HB} tick j${flag ? ` --state-dir ${flag}` : ''}`;
          const { line, h } = lastHb(text.trimStart(), 'user', 'alice');
          const want = chooseStateDir({ flag, env: { HB_STATE_DIR: envDir, XDG_STATE_HOME: xdg }, isRoot, home: '/home/alice', cwd: '/home/alice' }).dir;
          assert.equal(lineStateDir(line, h, { ...ALICE, isRoot }), want, text);
        }
      }
    }
  }
});

test('schedules come only from lines that lend: hb check lines for the meta-heartbeat too', () => {
  const text = [
    `* * * * * root ${HB} check --state-dir /srv/other`,
    `*/10 * * * * root ${HB} check`,
    `* * * * * root ${HB} tick a --state-dir /srv/other`,
    `0 3 * * * www-data ${HB} tick a`,
    `0 4 * * * root ${HB} tick a`,
    '',
  ].join('\n');
  const parsed = parseCrontab(text, { kind: 'system', file: '/etc/cron.d/hb' });
  const map = crontabSchedules([parsed], (runsAs, line, h) => lends(ROOT, runsAs, line, h));
  assert.deepEqual(Object.fromEntries(map), { 'hb-check': { cron: '*/10 * * * *' }, a: { cron: '0 4 * * *' } });
});
