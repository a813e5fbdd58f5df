// Properties of config loading: valid configs load as written; junk of any shape is a ConfigError
// whose problems carry a line, never a crash; any text at all is one or the other.
// Seeded (tests/helpers.ts propertyRuns): a failure prints fast-check's seed; FC_SEED=<seed> replays it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '../helpers.ts';
import YAML from 'yaml';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { parseDuration } from '../../lib/rules/duration.ts';
import { ConfigError } from '../../lib/rules/errors.ts';
import type { HbConfig } from '../../lib/rules/config/types.ts';

const RUNS = propertyRuns(300);
const FILE = 'hb.yaml';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const jobName = fc
  .tuple(fc.constantFrom(...ALNUM), fc.array(fc.constantFrom(...ALNUM, '.', '_', '-'), { maxLength: 20 }))
  .map(([first, rest]) => first + rest.join(''));
const duration = fc.tuple(fc.integer({ min: 1, max: 500 }), fc.constantFrom('s', 'm', 'h', 'd', 'w')).map(([n, u]) => `${n}${u}`);
const cron = fc.constantFrom('*/15 * * * *', '30 2 * * *', '0 9 * * 1-5', '@daily', '@hourly', '0 0 1 jan *', '5 4 * * sun');
const zone = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata');
const command = fc.oneof(
  fc.constantFrom('/usr/local/bin/backup.sh', 'echo "done" >> /tmp/log', 'true'),
  fc.array(fc.constantFrom('/usr/bin/python3', '/opt/app/cycle.py', '--verbose'), { minLength: 1, maxLength: 3 }),
);
const sink = fc.oneof(fc.constant({ command: 'logger -t hb "$HB_JOB is $HB_STATUS"' }), fc.constant({ webhook: 'https://hooks.example.net/hb' }));
const job = fc.record(
  {
    schedule: fc.oneof(
      fc.record({ every: duration }, { noNullPrototype: true }),
      fc.record({ cron, tz: zone }, { requiredKeys: ['cron'], noNullPrototype: true }),
    ),
    grace: duration,
    timeout: duration,
    command,
    lock: fc.boolean(),
    tail: fc.integer({ min: 0, max: 1 << 20 }),
    alert_after: fc.integer({ min: 1, max: 1000 }),
    description: fc.string({ maxLength: 30 }),
    notify: fc.array(sink, { maxLength: 2 }),
  },
  { requiredKeys: [], noNullPrototype: true },
);
const config = fc.record(
  {
    defaults: fc.record({ grace: duration, timeout: duration }, { requiredKeys: [], noNullPrototype: true }),
    notify: fc.array(sink, { maxLength: 2 }),
    jobs: fc.dictionary(jobName, job, { maxKeys: 8, noNullPrototype: true }),
  },
  { requiredKeys: [], noNullPrototype: true },
);

// The YAML a user would write: a job's schedule keys sit in the job's own map.
function toYamlTree(c: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  if (c.jobs) {
    out.jobs = Object.fromEntries(
      Object.entries(c.jobs as Record<string, Record<string, unknown>>).map(([name, j]) => {
        const { schedule, ...rest } = j;
        return [name, { ...(schedule as object), ...rest }];
      }),
    );
  }
  return out;
}

/** Loads text; returns the config, or the ConfigError after checking every problem has a place. */
async function load(text: string): Promise<{ config?: HbConfig; error?: ConfigError }> {
  try {
    return { config: await parseConfigText(text, FILE, 'UTC') };
  } catch (e) {
    assert.ok(e instanceof ConfigError, `only ConfigError, got ${String((e as Error)?.stack ?? e)}`);
    assert.ok(e.problems.length > 0 && e.problems.length <= 21, `${e.problems.length} problems listed`);
    for (const p of e.problems) {
      assert.equal(p.file, FILE);
      assert.doesNotMatch(p.message, /\n/, 'one line per problem');
      assert.doesNotMatch(p.message, /\bat \S+ \(|TypeError|RangeError|undefined is not/, `no internals: ${p.message}`);
    }
    return { error: e };
  }
}

test('random valid configs load with every job, schedule and duration as written', async () => {
  await fc.assert(
    fc.asyncProperty(config, async (c) => {
      const text = YAML.stringify(toYamlTree(c));
      const r = await load(text);
      assert.ok(r.config, `${text}\n→ ${r.error?.message}`);
      const loaded = r.config;
      const jobs = (c.jobs ?? {}) as Record<string, Record<string, unknown>>;
      assert.deepEqual([...loaded.jobs.keys()].sort(), Object.keys(jobs).sort());
      for (const [name, j] of Object.entries(jobs)) {
        const got = loaded.jobs.get(name)!;
        assert.deepEqual(got.schedule, j.schedule, name);
        assert.equal(got.graceMs, j.grace === undefined ? undefined : parseDuration(j.grace as string));
        assert.deepEqual(got.command, j.command);
      }
      const d = c.defaults;
      assert.equal(loaded.defaults.graceMs, d?.grace === undefined ? undefined : parseDuration(d.grace));
    }),
    RUNS,
  );
});

// Junk of every JSON shape at every level a user writes.
const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(-1, 0, 1e300, '', '../x', '* * *', 'Mars/Base'),
);
const place = fc.oneof(
  fc.tuple(fc.constantFrom('state_dir', 'defaults', 'notify', 'jobs', 'extra'), fc.constant(undefined), fc.constant(undefined)),
  fc.tuple(fc.constant('jobs'), fc.oneof(jobName, fc.constantFrom('../x', '.hidden', '', 'a/b')), fc.constant(undefined)),
  fc.tuple(
    fc.constant('jobs'),
    jobName,
    fc.constantFrom(
      'every',
      'cron',
      'tz',
      'grace',
      'command',
      'timeout',
      'lock',
      'tail',
      'alert_after',
      'remind',
      'notify',
      'recover',
      'description',
      'colour',
    ),
  ),
  fc.tuple(fc.constant('defaults'), fc.constantFrom('grace', 'timeout', 'bogus'), fc.constant(undefined)),
);

test('junk anywhere is a ConfigError with a line for every problem, or a config; never a crash', async () => {
  await fc.assert(
    fc.asyncProperty(config, place, junk, async (c, [top, key, field], value) => {
      const tree = toYamlTree(c) as Record<string, any>;
      if (key === undefined) tree[top] = value;
      else if (field === undefined) tree[top] = { ...(typeof tree[top] === 'object' ? tree[top] : {}), [key]: value };
      else tree[top] = { ...(tree[top] ?? {}), [key]: { ...(tree[top]?.[key] ?? {}), [field]: value } };
      const r = await load(YAML.stringify(tree));
      for (const p of r.error?.problems ?? []) assert.ok((p.line ?? 0) >= 1, `a line for ${p.path}: ${p.message}`);
    }),
    RUNS,
  );
});

test('any text, YAML-like or not, loads or is a ConfigError; never a crash', async () => {
  const yamlish = fc
    .array(
      fc.constantFrom(
        'jobs:',
        '\n',
        '  ',
        '- ',
        'a',
        'b:',
        '[',
        ']',
        '{',
        '}',
        ',',
        '&x ',
        '*x',
        '!!str ',
        '? ',
        '|',
        '>',
        "'",
        '"',
        '#',
        '\t',
        '---\n',
        '~',
        '1',
        ': ',
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join(''));
  await fc.assert(
    fc.asyncProperty(fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 100 })), async (text) => {
      await load(text);
    }),
    propertyRuns(1000),
  );
});
