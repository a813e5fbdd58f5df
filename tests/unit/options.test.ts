// The fast argv path: well-formed tick/wrap/check lines parse without commander; anything else defers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFast } from '../../bin/options.ts';

test('parses the lines cron runs', () => {
  assert.deepEqual(parseFast(['tick', 'backup', '--every', '1h']), { command: 'tick', operands: ['backup'], options: { every: '1h', color: true } });
  assert.deepEqual(parseFast(['--state-dir', '/s', 'tick', '--cron=0 2 * * *', 'backup', '--tz', 'Europe/Berlin', '--no-color']), {
    command: 'tick',
    operands: ['backup'],
    options: { stateDir: '/s', cron: '0 2 * * *', tz: 'Europe/Berlin', color: true },
  });
  assert.deepEqual(parseFast(['tick', '--status', 'error', '--message', 'upstream 503', '--json', 'sync']), {
    command: 'tick',
    operands: ['sync'],
    options: { status: 'error', message: 'upstream 503', json: true, color: true },
  });
  assert.deepEqual(parseFast(['tick', '--every', '1m', '--', '-odd']), { command: 'tick', operands: ['-odd'], options: { every: '1m', color: true } });
});

test('wrap passes everything from the first operand (or --) through to the command', () => {
  assert.deepEqual(parseFast(['wrap', '--job', 'sync', '--lock', '--', 'rsync', '-a', '--delete', 'src/', 'dst/']), {
    command: 'wrap',
    operands: ['rsync', '-a', '--delete', 'src/', 'dst/'],
    options: { job: 'sync', lock: true, color: true },
  });
  assert.deepEqual(parseFast(['wrap', '--timeout', '10m', 'ls', '--every', '5m']), {
    command: 'wrap',
    operands: ['ls', '--every', '5m'],
    options: { timeout: 600_000, color: true },
  });
});

test('a repeatable option keeps every value in order; its parse function still applies', () => {
  assert.deepEqual(parseFast(['wrap', '--expect', '/b/db-*.gz', '--min-size', '1MB', '--expect=/b/files.tar', '--min-ratio', '50%', '--', 'backup.sh']), {
    command: 'wrap',
    operands: ['backup.sh'],
    options: { expect: ['/b/db-*.gz', '/b/files.tar'], minSize: 1_000_000, minRatio: 0.5, color: true },
  });
  assert.equal(parseFast(['wrap', '--expect', '/b/x', '--expect', 'relative/x', '--', 'true']), null, 'a refused value goes to commander');
});

test("wrap's outcome flags: code lists become numbers, --fail-on, --warn-on and --require collect every value in order", () => {
  assert.deepEqual(parseFast(['wrap', '--ok-codes', '0, 1', '--warn-codes=24', '--fail-on', 'ERROR', '--fail-on=denied', '--require', 'done', '--', 'x']), {
    command: 'wrap',
    operands: ['x'],
    options: { okCodes: [0, 1], warnCodes: [24], failOn: ['ERROR', 'denied'], require: ['done'], color: true },
  });
  // Values their parsers refuse go to commander, which says why.
  assert.equal(parseFast(['wrap', '--ok-codes', '0,256', '--', 'x']), null);
  assert.equal(parseFast(['wrap', '--fail-on', '(', '--', 'x']), null);
});

test('where commander and the fast path once differed, the fast path now does as commander does', () => {
  // A global option before the command name wins over the same option after it.
  assert.deepEqual(parseFast(['--state-dir', '/a', 'tick', 'x', '--state-dir', '/b']), {
    command: 'tick',
    operands: ['x'],
    options: { stateDir: '/a', color: true },
  });
  // --no-color is read from the whole line (processIo), never from the options object.
  assert.deepEqual(parseFast(['--no-color', 'tick', 'x']), { command: 'tick', operands: ['x'], options: { color: false } });
  // After wrap's first operand a `--` is the command's own argument.
  assert.deepEqual(parseFast(['wrap', 'echo', '--', 'x']), { command: 'wrap', operands: ['echo', '--', 'x'], options: { color: true } });
});

test('check gets the same defaults commander gives (--no-notify / --no-recover switches)', () => {
  assert.deepEqual(parseFast(['check']), { command: 'check', operands: [], options: { notify: true, recover: true, color: true } });
  assert.deepEqual(parseFast(['check', 'a', 'b', '--format', 'nagios', '--no-notify']), {
    command: 'check',
    operands: ['a', 'b'],
    options: { format: 'nagios', notify: false, recover: true, color: true },
  });
});

test('anything unusual is left to commander, which has the help and the error messages', () => {
  const deferred: string[][] = [
    [],
    ['--help'],
    ['-V'],
    ['status'],
    ['next', '@daily'],
    ['tick'],
    ['tick', 'a', 'b'],
    ['tick', 'a', '-h'],
    ['tick', 'a', '--bogus'],
    ['tick', 'a', '--every'],
    ['tick', 'a', '--every', '--grace', '1m'],
    ['tick', 'a', '--status', 'maybe'],
    ['tick', 'a', '--json=yes'],
    ['wrap', '--job', 'x'],
    ['wrap', '--lock'],
    ['check', '--format', 'yaml'],
    // A value its parse function refuses: commander calls the same function and says why.
    ['tick', 'a', '--grace', '0'],
    ['wrap', '--skip-code=256', '--', 'true'],
    ['--bogus', 'check'],
    ['constructor'],
    ['toString', 'x'],
  ];
  for (const argv of deferred) assert.equal(parseFast(argv), null, argv.join(' '));
});
