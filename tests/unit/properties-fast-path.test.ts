// The fast argv path against commander: for generated tick, wrap and check lines, whatever the
// fast path accepts commander accepts too, with the same command, operands and options — the
// values the parse functions give included (milliseconds, numbers), and a value one refuses left
// to commander. Deterministic: a fixed seed (tests/helpers.ts propertyRuns); `npm run test:explore`
// (HB_EXPLORE=1) tries new ones, and FC_SEED=<seed> replays the seed a failure prints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { main } from '../../bin/cli.ts';
import { quietIo } from '../fakes.ts';
import { CHECK_OPTIONS, GLOBAL_OPTIONS, TICK_OPTIONS, WRAP_OPTIONS, parseFast, type FastCommand, type OptionSpec } from '../../bin/options.ts';
import { propertyRuns } from '../helpers.ts';

const RUNS = propertyRuns(600);

/** What commander makes of argv: the hot command it would run, or its exit code and words when it refuses. */
async function commander(argv: string[]): Promise<{ ran: FastCommand | null; code: number; said: string }> {
  const io = quietIo();
  let ran: FastCommand | null = null;
  const code = await main(argv, io, async (parsed) => {
    ran = parsed;
    return 0;
  });
  return { ran, code, said: io.said.join('') };
}

// Values that the parse functions take and refuse: durations (0, 1ms, too long), whole numbers
// (256 past --skip-code, blanks around the digits, a sign, a fraction), paths, sizes and shares.
const values = fc.constantFrom(
  '/var/backups/db-*.gz',
  'backups/db.gz',
  '1MB',
  '50%',
  '150%',
  'gzip -t {}',
  '1h',
  '15m',
  '0',
  '0s',
  '1ms',
  '-5m',
  '99999999999999999d',
  'ok',
  'error',
  'maybe',
  'nagios',
  'json',
  'text',
  '',
  ' ',
  '-',
  '--',
  '-x',
  '--every',
  'a=b',
  '=',
  '0 2 * * *',
  'Europe/Berlin',
  '3',
  ' 10 ',
  '256',
  '+1',
  '1.5',
  'x y',
);
const words = fc.constantFrom(
  'backup',
  'sync',
  'a b',
  '-',
  '--',
  '-odd',
  '--odd',
  'ls',
  '-a',
  '--help',
  '-h',
  '-V',
  '--version',
  '--json',
  '--every',
  'x=y',
  '',
);

/** One flag of `specs` written well: `--flag value` or `--flag=value` with a value it takes, or a switch alone. */
const goodFlag = (specs: readonly OptionSpec[]) =>
  fc
    .constantFrom(...specs)
    .chain((spec) =>
      spec.value
        ? fc
            .tuple(
              fc.boolean(),
              spec.choices
                ? fc.constantFrom(...spec.choices)
                : fc.constantFrom('1h', '15m', '0', '90', '1ms', '0 2 * * *', 'x y', '3', ' 10 ', '255', '256', 'a=b'),
            )
            .map(([eq, v]) => (eq ? [`${spec.flag}=${v}`] : [spec.flag, v]))
        : fc.constant<string[]>([spec.flag]),
    );

/** One flag of `specs` (or an unknown one) written as `--flag value`, `--flag=value` or alone, with any value, or a word. */
const anyFlag = (specs: readonly OptionSpec[]) =>
  fc.oneof(
    fc
      .tuple(fc.constantFrom(...specs.map((s) => s.flag), '--bogus', '--no-json', '--col', '-j'), fc.constantFrom('space', 'equals', 'alone'), values)
      .map(([flag, form, value]) => (form === 'space' ? [flag, value] : form === 'equals' ? [`${flag}=${value}`] : [flag])),
    words.map((w) => [w]),
  );

const flagFrom = (specs: readonly OptionSpec[]) =>
  fc.oneof({ arbitrary: goodFlag(specs), weight: 4 }, { arbitrary: anyFlag(specs), weight: 1 }, { arbitrary: fc.constant<string[]>(['backup']), weight: 1 });

const line = (name: string, specs: readonly OptionSpec[]) =>
  fc
    .tuple(fc.array(flagFrom(GLOBAL_OPTIONS), { maxLength: 2 }), fc.array(flagFrom([...specs, ...GLOBAL_OPTIONS]), { maxLength: 7 }))
    .map(([before, after]) => [...before.flat(), name, ...after.flat()]);

for (const [name, specs] of [
  ['tick', TICK_OPTIONS],
  ['wrap', WRAP_OPTIONS],
  ['check', CHECK_OPTIONS],
] as const) {
  test(`hb ${name}: every line the fast path parses, commander parses the same way`, async () => {
    await fc.assert(
      fc.asyncProperty(line(name, specs), async (argv) => {
        const fast = parseFast(argv);
        if (fast === null) return; // commander parses it, as it always did
        const slow = await commander(argv);
        assert.deepEqual({ ran: slow.ran, code: slow.code, said: slow.said }, { ran: fast, code: 0, said: '' }, `argv ${JSON.stringify(argv)}`);
      }),
      RUNS,
    );
  });
}

test('a repeated --expect is a list in order, through commander as through the fast path', async () => {
  const argv = ['wrap', '--expect', '/b/db-*.gz', '--verify', 'gzip -t {}', '--expect=/b/files.tar', '--', 'backup.sh'];
  const fast = parseFast(argv);
  assert.deepEqual(fast?.options.expect, ['/b/db-*.gz', '/b/files.tar']);
  assert.deepEqual(await commander(argv), { ran: fast, code: 0, said: '' });
});
