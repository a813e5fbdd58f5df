// The rule that decides whether a live process is the hb daemon a PID file names: an hb
// daemon's command line (equal to the recorded one), run by the PID file's owner.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argvText, identityProblem, isDaemonArgv, readIdentity } from '../../lib/adapters/daemon/identity.ts';

const daemon = ['/usr/bin/node', '/usr/local/lib/node_modules/hb/dist/hb.js', '--config', '/etc/hb/hb.yaml', 'daemon', 'start'];

test("isDaemonArgv: node, hb's entry script, then daemon and start", () => {
  for (const argv of [
    daemon,
    ['node', '/usr/local/bin/hb', 'daemon', 'start'],
    ['/usr/bin/node', '--import', 'tsx', 'bin/hb.ts', 'daemon', 'start', '--pid-file', '/run/hb.pid'],
    ['/opt/node/bin/node', '--enable-source-maps', '/srv/hb/dist/hb.js', 'daemon', 'start', '--state-dir', '/x', '--detach'],
  ])
    assert.ok(isDaemonArgv(argv), argv.join(' '));
  for (const argv of [
    ['sleep', '300'],
    ['/sbin/init'],
    ['/usr/sbin/foo', 'hb', 'daemon', 'start'],
    ['/usr/bin/node', '/srv/app/server.js', 'daemon', 'start'],
    ['/usr/bin/node', '/usr/local/bin/hb', 'daemon', 'stop'],
    ['/usr/bin/node', '/usr/local/bin/hb', 'start', 'daemon'],
    ['/usr/bin/python3', 'hb.py', 'daemon', 'start'],
  ])
    assert.equal(isDaemonArgv(argv), false, argv.join(' '));
});

test("identityProblem: the recorded daemon run by the PID file's owner passes; anything else says why", () => {
  const ok = { pid: 4242, live: { argv: daemon, uid: 0 }, recordedArgv: daemon, pidFileUid: 0 };
  assert.equal(identityProblem(ok), null);
  assert.equal(identityProblem({ ...ok, recordedArgv: null }), null, 'a daemon from before the command line was recorded');
  assert.equal(identityProblem({ ...ok, live: { argv: ['sleep', '300'], uid: 0 } }), 'its command line is not hb daemon start (sleep 300)');
  assert.equal(identityProblem({ ...ok, live: { argv: null, uid: 0 } }), 'its command line cannot be read');
  assert.match(
    identityProblem({ ...ok, recordedArgv: [...daemon, '--quiet'] }) ?? '',
    /^its command line \(.*\) is not the one recorded \(\/usr\/bin\/node .*\.\.\.\)$/,
  );
  assert.equal(identityProblem({ ...ok, live: { argv: daemon, uid: 0 }, pidFileUid: 1001 }), 'it runs as uid 0, and the PID file belongs to uid 1001');
  assert.equal(identityProblem({ ...ok, live: { argv: daemon, uid: null } }), 'its user cannot be read');
});

test("readIdentity reads this process's argv and uid; a pid that is no process reads as unknown", () => {
  const me = readIdentity(process.pid);
  assert.ok(me.argv && me.argv.length >= 1);
  assert.equal(me.uid, process.getuid?.());
  assert.deepEqual(readIdentity(0), { argv: null, uid: null });
  assert.deepEqual(readIdentity(2 ** 22 + 1), { argv: null, uid: null });
  assert.equal(argvText(['a\tb', 'x'.repeat(100)]).length, 80);
});
