// Every valued option of every command goes through its parse function (bin/option-values.ts)
// as commander reads the line: a refused value is a one-line usage error (exit 2) naming the
// flag, said before the command runs, and an accepted one reaches the command as its value.
// In process, through bin/cli.ts main(); nothing here reads or writes outside memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../bin/cli.ts';
import { quietIo } from '../fakes.ts';
import type { FastCommand } from '../../bin/options.ts';

/** Runs argv through commander; the hot commands (tick, wrap, check) are caught before they run. */
async function run(argv: string[]): Promise<{ code: number; said: string; ran: FastCommand | null }> {
  const io = quietIo('/nonexistent-hb-test-dir');
  let ran: FastCommand | null = null;
  const code = await main(argv, io, async (parsed) => {
    ran = parsed;
    return 0;
  });
  return { code, said: io.said.join(''), ran };
}

test('a refused value is one usage-error line naming the flag, for every valued option that has a rule', async () => {
  const cases: Array<[string[], string]> = [
    [['tick', 'j', '--grace', '0'], '--grace: "0" is zero (expected a duration longer than 0, e.g. 90s, 15m, 2h, 1d, 1h30m)'],
    [['wrap', '--grace', 'soon', '--', 'true'], '--grace: "soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)'],
    [['wrap', '--timeout', '0', '--', 'true'], '--timeout: "0" is zero (expected a duration longer than 0, e.g. 90s, 15m, 2h, 1d, 1h30m)'],
    [['wrap', '--skip-code', '256', '--', 'true'], '--skip-code: expected a whole number from 0 to 255, found "256"'],
    [['wrap', '--tail=x', '--', 'true'], '--tail: expected a whole number from 0 to 1048576, found "x"'],
    [['report', '--since', '0'], '--since: "0" is zero (expected a duration longer than 0, e.g. 90s, 15m, 2h, 1d, 1h30m)'],
    [['log', '--since', 'yesterday'], '--since: "yesterday" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)'],
    [['pause', 'j', '--for', '0s'], '--for: a pause must be longer than 0, found "0s" (leave --for out to pause until hb resume)'],
    [['pause', 'j', '--for', '36501d'], '--for: a pause can last at most 36500d (100 years), found "36501d" (leave --for out to pause until hb resume)'],
    [['next', '@daily', '-n', '0'], '-n: expected a whole number from 1 to 1000, found "0"'],
    [['next', '@daily', '-n', 'five'], '-n: expected a whole number from 1 to 1000, found "five"'],
    [['daemon', 'start', '--stop-timeout', 'soon'], '--stop-timeout: "soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)'],
    [['daemon', 'start', '--max-concurrent', '0'], '--max-concurrent: expected a whole number from 1 to 1000, found "0"'],
    [['daemon', 'stop', '--timeout', '-1s'], '--timeout: "-1s" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)'],
    [['crontab', '--user', 'a b'], '--user: "a b" is not a login name (e.g. backup)'],
    [['tick', 'j', '--cycle', '1.5'], '--cycle: expected a whole number from 0 to 9007199254740991, found "1.5"'],
    [['wrap', '--cycle=-2', '--', 'true'], '--cycle: expected a whole number from 0 to 9007199254740991, found "-2"'],
    [['wrap', '--ping', 'example.com/x', '--', 'true'], '--ping: expected an http:// or https:// URL such as https://hc-ping.com/UUID, found "example.com/x"'],
    [['tick', 'j', '--ping', 'mailto:a@b'], '--ping: expected an http:// or https:// URL such as https://hc-ping.com/UUID, found "mailto:a@b"'],
    [['systemd', '--user', 'a b'], '--user: "a b" is not a user name (expected a login name such as backup, or a numeric uid)'],
  ];
  for (const [argv, message] of cases) {
    const r = await run(argv);
    assert.deepEqual({ code: r.code, said: r.said, ran: r.ran }, { code: 2, said: `hb: ${message}\n`, ran: null }, argv.join(' '));
  }
});

test('the hot commands get the parsed values: milliseconds and numbers, not the text', async () => {
  const tick = await run(['tick', 'j', '--grace', '1h']);
  assert.deepEqual(tick.ran?.options.grace, 3_600_000);
  const wrap = await run(['wrap', '--timeout=90', '--skip-code', '3', '--tail', ' 10 ', '--', 'true']);
  assert.deepEqual([wrap.ran?.options.timeout, wrap.ran?.options.skipCode, wrap.ran?.options.tail], [90_000, 3, 10]);
  const reported = await run(['wrap', '--cycle', '12', '--ping', 'https://hc.example/p/k', '--', 'true']);
  assert.deepEqual([reported.ran?.options.cycle, reported.ran?.options.ping], [12, 'https://hc.example/p/k']);
  assert.equal((await run(['tick', 'j', '--cycle', '0'])).ran?.options.cycle, 0);
});

test('a repeated option: each value is parsed, and the last one counts', async () => {
  assert.equal((await run(['tick', 'j', '--grace', '1h', '--grace', '2h'])).ran?.options.grace, 7_200_000);
  assert.equal((await run(['tick', 'j', '--grace', '0', '--grace', '2h'])).code, 2);
});
