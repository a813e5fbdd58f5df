// `--since DUR`: a window length, or a usage error that names the flag.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../lib/errors.ts';
import { sinceFlag } from '../../lib/report/window.ts';

test('sinceFlag: durations as users write them, the fallback when absent, exit 2 naming --since otherwise', () => {
  assert.equal(sinceFlag(undefined, 123), 123);
  assert.equal(sinceFlag('24h', 0), 86_400_000);
  assert.equal(sinceFlag('1h30m', 0), 5_400_000);
  assert.equal(sinceFlag('90', 0), 90_000);
  for (const [text, message] of [['soon', /^--since: "soon" is not a duration \(expected e\.g\. 90s, 15m/], ['0', /^--since: "0" must be longer than zero/], ['', /^--since: "" is not a duration/]] as const) {
    assert.throws(() => sinceFlag(text, 0), (e: unknown) => e instanceof UsageError && e.exitCode === 2 && message.test(e.message), text);
  }
});
