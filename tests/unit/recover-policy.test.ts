// parseRecover: defaults, every accepted form, and every refused one with its key path and a
// message that names what would be valid.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRecover, RECOVER_DEFAULTS } from '../../lib/rules/recover/policy.ts';

const CONFIG = '/etc/hb/hb.yaml';

describe('parseRecover accepts', () => {
  test('the smallest block, with every default', () => {
    const { policy, problems } = parseRecover({ restart: 'systemctl restart app' }, CONFIG);
    assert.deepEqual(problems, []);
    assert.deepEqual(policy, {
      health: { kind: 'heartbeat' },
      config: [],
      restart: 'systemctl restart app',
      maxRestarts: { count: 3, windowMs: 3_600_000 },
      source: 'snapshot',
      ref: 'HEAD',
      settleMs: 10_000,
      timeoutMs: 60_000,
      keep: 5,
    });
    assert.equal(RECOVER_DEFAULTS.keep, 5);
  });

  test('health: a URL or a command', () => {
    assert.deepEqual(parseRecover({ restart: 'x', health: 'http://127.0.0.1:8080/health' }, CONFIG).policy?.health, {
      kind: 'url',
      url: 'http://127.0.0.1:8080/health',
    });
    assert.deepEqual(parseRecover({ restart: 'x', health: 'HTTPS://user:pw@example.net/' }, CONFIG).policy?.health, {
      kind: 'url',
      url: 'HTTPS://user:pw@example.net/',
    });
    assert.deepEqual(parseRecover({ restart: 'x', health: 'pg_isready -q' }, CONFIG).policy?.health, { kind: 'command', command: 'pg_isready -q' });
    // Not a URL scheme hb probes: a command like any other.
    assert.deepEqual(parseRecover({ restart: 'x', health: 'httpie-check' }, CONFIG).policy?.health, { kind: 'command', command: 'httpie-check' });
  });

  test('config: one path or a list; relative to the config file; normalised', () => {
    assert.deepEqual(parseRecover({ config: 'app.conf' }, CONFIG).policy?.config, ['/etc/hb/app.conf']);
    assert.deepEqual(parseRecover({ config: ['./conf.d/a.conf', '/etc/app//b.conf', '/etc/app/./c/'] }, CONFIG).policy?.config, [
      '/etc/hb/conf.d/a.conf',
      '/etc/app/b.conf',
      '/etc/app/c',
    ]);
    assert.deepEqual(parseRecover({ config: '/etc/app.conf' }, null).policy?.config, ['/etc/app.conf']);
  });

  test('restart: a shell string or argv', () => {
    assert.deepEqual(parseRecover({ restart: ['systemctl', 'restart', 'app'] }, CONFIG).policy?.restart, ['systemctl', 'restart', 'app']);
  });

  test('max_restarts, durations, source, ref, keep', () => {
    const { policy, problems } = parseRecover(
      { config: '/a', max_restarts: '5 / 30m', source: 'git', ref: 'origin/main', settle: '1m30s', timeout: 5, keep: 2 },
      CONFIG,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      [policy?.maxRestarts, policy?.source, policy?.ref, policy?.settleMs, policy?.timeoutMs, policy?.keep],
      [{ count: 5, windowMs: 1_800_000 }, 'git', 'origin/main', 90_000, 5000, 2],
    );
    assert.deepEqual(parseRecover({ restart: 'x', max_restarts: '0/1h' }, CONFIG).policy?.maxRestarts, { count: 0, windowMs: 3_600_000 });
    assert.deepEqual(parseRecover({ restart: 'x', max_restarts: 2 }, CONFIG).policy?.maxRestarts, { count: 2, windowMs: 3_600_000 });
    assert.equal(parseRecover({ restart: 'x', settle: '0s' }, CONFIG).policy?.settleMs, 0);
  });
});

describe('parseRecover refuses', () => {
  const cases: Array<[string, Record<string, unknown>, string | null, Array<string | number>, RegExp]> = [
    ['max_restarts: lots', { restart: 'x', max_restarts: 'lots' }, CONFIG, ['max_restarts'], /expected COUNT\/WINDOW such as 3\/1h .*found string "lots"/],
    ['max_restarts with a bad window', { restart: 'x', max_restarts: '3/soon' }, CONFIG, ['max_restarts'], /"soon" is not a duration/],
    ['max_restarts over a day', { restart: 'x', max_restarts: '3/2d' }, CONFIG, ['max_restarts'], /WINDOW up to 1d/],
    ['max_restarts over 100', { restart: 'x', max_restarts: '500/1h' }, CONFIG, ['max_restarts'], /COUNT 0 to 100/],
    ['max_restarts negative', { restart: 'x', max_restarts: '-1/1h' }, CONFIG, ['max_restarts'], /expected COUNT\/WINDOW/],
    [
      'health: 42',
      { restart: 'x', health: 42 },
      CONFIG,
      ['health'],
      /expected \{pid_file: PATH\} \(alive while the process it names runs\), an http:\/\/ or https:\/\/ URL that answers 2xx, or a shell command that exits 0, found number 42/,
    ],
    ['health: empty', { restart: 'x', health: '  ' }, CONFIG, ['health'], /shell command that exits 0/],
    ['health: a broken URL', { restart: 'x', health: 'http://user:s3cret@[::1' }, CONFIG, ['health'], /this URL does not parse$/],
    ['config: ../x without a config file', { config: '../x' }, null, ['config'], /contains a \.\. segment/],
    ['config: relative without a config file', { config: 'x.conf' }, null, ['config'], /"x.conf" is relative.*write an absolute path/],
    [
      'config: .. inside an absolute path',
      { config: ['/etc/a', '/etc/app/../shadow'] },
      CONFIG,
      ['config', 1],
      /"\/etc\/app\/\.\.\/shadow" contains a \.\. segment/,
    ],
    ['config: .. relative to the config file', { config: '../../etc/shadow' }, CONFIG, ['config'], /\.\. segment/],
    ['config: ~', { config: '~/app.conf' }, CONFIG, ['config'], /does not expand ~/],
    ['config: a number', { config: 7 }, CONFIG, ['config'], /expected a file path or a non-empty list of file paths, found number 7/],
    ['config: an empty list', { config: [] }, CONFIG, ['config'], /non-empty list/],
    ['config: a list with a map', { config: ['/a', { p: 1 }] }, CONFIG, ['config', 1], /expected a file path, found a map/],
    ['config: the same file twice', { config: ['/etc/a.conf', '/etc//a.conf'] }, CONFIG, ['config', 1], /\/etc\/a\.conf is listed twice/],
    ['restart: empty list', { restart: [] }, CONFIG, ['restart'], /a shell command string or a non-empty list of strings/],
    ['restart: a number', { restart: 3 }, CONFIG, ['restart'], /found number 3/],
    ['source: svn', { config: '/a', source: 'svn' }, CONFIG, ['source'], /expected snapshot .* or git .*found string "svn"/],
    ['ref without git', { config: '/a', ref: 'main' }, CONFIG, ['ref'], /ref applies only with source: git/],
    ['ref that looks like an option', { config: '/a', source: 'git', ref: '--output=/tmp/x' }, CONFIG, ['ref'], /not starting with -/],
    ['ref with a colon', { config: '/a', source: 'git', ref: 'HEAD:etc' }, CONFIG, ['ref'], /no spaces or colons/],
    ['settle: soon', { restart: 'x', settle: 'soon' }, CONFIG, ['settle'], /expected a duration such as 10s \(how long to wait after a restart/],
    ['timeout: 0', { restart: 'x', timeout: '0s' }, CONFIG, ['timeout'], /expected a duration such as 1m \(the limit for the health check/],
    ['keep: 0', { config: '/a', keep: 0 }, CONFIG, ['keep'], /whole number from 1 to 100, found number 0/],
    ['keep: text', { config: '/a', keep: 'all' }, CONFIG, ['keep'], /found string "all"/],
    ['nothing to recover with', { health: 'true' }, CONFIG, [], /neither config .* nor restart/],
  ];
  for (const [name, raw, file, path, message] of cases) {
    test(name, () => {
      const { policy, problems } = parseRecover(raw, file);
      assert.equal(policy, null);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.deepEqual(problems[0]!.path, path);
      assert.match(problems[0]!.message, message);
    });
  }

  test('every problem at once', () => {
    const { policy, problems } = parseRecover({ health: 42, config: '../x', source: 'svn', ref: 'main', max_restarts: 'lots', keep: -1 }, null);
    assert.equal(policy, null);
    assert.deepEqual(
      problems.map((p) => p.path.join('.')),
      ['health', 'config', 'max_restarts', 'source', 'ref', 'keep'],
    );
  });

  test('a URL with credentials is never echoed', () => {
    const { problems } = parseRecover({ restart: 'x', health: 'https://admin:hunter22@:99999/' }, CONFIG);
    assert.equal(problems.length, 1);
    assert.doesNotMatch(problems[0]!.message, /hunter22|admin/);
  });
});
