// `hb status --format text|json`: the same choice `hb check` offers, `--json` its short form.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hb, sandbox } from '../helpers.ts';

test('hb status --format json prints the JSON panel, --format text the table, --json wins over --format text', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  assert.equal(hb(['tick', 'backup', '--every', '1h'], { env: s.env }).code, 0);
  assert.equal(hb(['tick', 'sync', '--every', '5m', '--status', 'error'], { env: s.env }).code, 0);

  const json = hb(['status', '--format', 'json'], { env: s.env });
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { jobs: Array<{ job: string; status: string }> };
  assert.deepEqual(
    parsed.jobs.map((j) => [j.job, j.status]),
    [
      ['backup', 'ok'],
      ['sync', 'failed'],
    ],
  );
  assert.equal(JSON.parse(hb(['status', '--json'], { env: s.env }).stdout).jobs.length, 2);
  assert.equal(JSON.parse(hb(['status', '--format', 'text', '--json'], { env: s.env }).stdout).jobs.length, 2);

  const text = hb(['status', '--format', 'text'], { env: s.env });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^backup\s+ok\s/m);
  assert.match(text.stdout, /^sync\s+failed\s/m);
  assert.doesNotMatch(text.stdout, /^\s*[{[]/, 'text, not JSON');
  assert.match(hb(['status'], { env: s.env }).stdout, /^backup\s+ok\s/m, 'text is the default');
});

test('hb status --format with anything but text or json (xml) is a usage error naming the choices', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const r = hb(['status', '--format', 'xml'], { env: s.env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--format.*xml.*text, json|Allowed choices are text, json/s);
  assert.equal(r.stdout, '');
});
