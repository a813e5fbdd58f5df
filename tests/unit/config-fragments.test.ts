// jobs.d: which names are jobs files, and what one may hold (jobs only, none named twice).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFragmentName } from '../../lib/rules/config/find.ts';
import { validateFragment } from '../../lib/rules/config/validate.ts';

test('a jobs file is a *.yaml name that is not hidden', () => {
  for (const name of ['a.yaml', 'web-01.yaml', '0.yaml']) assert.equal(isFragmentName(name), true, name);
  for (const name of ['.a.yaml', 'a.yml', 'a.yaml.bak', 'a.yaml~', 'README', '.hb-1.tmp']) assert.equal(isFragmentName(name), false, name);
});

test('a jobs file holds jobs only, each validated as in the main file, none already configured elsewhere', () => {
  const taken = new Map([['main', '/etc/hb/hb.yaml']]);
  const ok = validateFragment({ jobs: { a: { every: '1h', command: 'true' }, b: null } }, 'f.yaml', 'UTC', taken);
  assert.deepEqual(ok.problems, []);
  assert.deepEqual([...ok.jobs.keys()], ['a', 'b']);
  assert.deepEqual(ok.jobs.get('a')?.schedule, { every: '1h' });

  const bad = validateFragment({ jobs: { main: {}, c: { every: 'soon' } }, notify: [] }, 'f.yaml', 'UTC', taken);
  assert.deepEqual(
    bad.problems.map((p) => [p.path.join('.'), p.message.slice(0, 40)]),
    [
      ['notify', 'unknown key "notify" (expected one of jo'],
      ['jobs.main', 'job main is already configured in /etc/h'],
      ['jobs.c.every', '"soon" is not a duration (expected e.g. '],
    ],
  );
  assert.equal(validateFragment(null, 'f.yaml', 'UTC', taken).problems.length, 0, 'an empty file adds nothing');
  assert.match(validateFragment(['a'], 'f.yaml', 'UTC', taken).problems[0]!.message, /expected a map with the one key jobs/);
});
