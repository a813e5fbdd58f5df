// Credentials in sink URLs: taken out of the URL as Basic auth (percent-decoded, UTF-8), refused
// when they cannot be sent, and redacted wherever a URL is shown (errors, doctor findings).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobConfig } from '../../lib/rules/config/types.ts';
import { doctorFindings } from '../../lib/rules/doctor/doctor.ts';
import { renderDoctorJson, renderDoctorText } from '../../lib/rules/doctor/render.ts';
import type { DoctorFacts } from '../../lib/rules/doctor/types.ts';
import { redact } from '../../lib/adapters/sinks/http.ts';
import { credentialProblem, redactUrls, splitCredentials } from '../../lib/rules/sinks/url-credentials.ts';
import { validateSink } from '../../lib/rules/sinks/validate.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

test('splitCredentials: the URL loses user:pass@, the header carries them percent-decoded as UTF-8', () => {
  assert.deepEqual(splitCredentials('https://user:p%40ss@hooks.example/x?y=1'), {
    url: 'https://hooks.example/x?y=1',
    authorization: `Basic ${b64('user:p@ss')}`,
    secrets: ['p%40ss', 'p@ss', b64('user:p@ss')],
  });
  assert.equal(splitCredentials('http://b%C3%B6b:a%3Ab@h/').authorization, `Basic ${b64('böb:a:b')}`);
  assert.equal(splitCredentials('http://tok3n@h/').authorization, `Basic ${b64('tok3n:')}`);
  assert.deepEqual(splitCredentials('https://hooks.example/x'), { url: 'https://hooks.example/x', authorization: null, secrets: [] });
});

test('credentialProblem: a malformed percent escape or a colon in the user name cannot be sent', () => {
  assert.equal(credentialProblem('https://u:p%40ss@h/'), null);
  assert.match(credentialProblem('https://u:p%zz@h/')!, /password .* malformed percent escape/);
  assert.match(credentialProblem('https://u%3Ax:p@h/')!, /user name .* colon/);
  assert.equal(validateSink('webhook', 'https://u:p@h/x', 'notify[0]').problems.length, 0);
  assert.equal(validateSink('healthchecks', 'https://u:p@hc.example/ping/abc', 'notify[0]').problems.length, 0);
  assert.equal(validateSink('telegram', { chat_id: 1, token_env: 'T', api_url: 'https://u:p@proxy.example' }, 'notify[0]').problems.length, 0);
});

test('redactUrls and redact hide every password in a URL, and a lone user name', () => {
  assert.equal(
    redactUrls('see https://user:p%40ss@h/x and http://a:b@c@host:8/ and ftp://tok@h'),
    'see https://user:***@h/x and http://a:***@host:8/ and ftp://***@h',
  );
  assert.equal(redact('failed: POST http://me:hunter2@h/x'), 'failed: POST http://me:***@h/x');
});

test('hb doctor names a dead-man URL with its password as ***', () => {
  const url = 'https://probe:hunter2@hc-ping.com/5f0e1a2b-check';
  const notify = [{ kind: 'healthchecks', where: 'jobs.hb-check.notify[0]', options: { url }, timeoutMs: 10_000, retries: 2, on: null }];
  const jobs = new Map<string, JobConfig>([['hb-check', { name: 'hb-check', notify }]]);
  const facts: DoctorFacts = {
    crontabs: [{ path: '/etc/crontab', kind: 'system', cronD: false, text: `* * * * * root /usr/bin/curl -fsS ${url}\n`, mode: 0o644, uid: 0, owner: 'root' }],
    config: { file: '/etc/hb/hb.yaml', problems: [], jobs },
    stateDir: null,
    probe: () => 'executable',
    users: new Map([['root', '/root']]),
    userPath: ['/usr/bin', '/bin'],
    self: { node: '/usr/bin/node', hb: '/opt/hb/dist/hb.js' },
    hostTz: 'UTC',
    host: null,
  };
  const findings = doctorFindings(facts);
  assert.ok(
    findings.some((f) => f.code === 'dead-man-duplicate'),
    JSON.stringify(findings),
  );
  const summary = { crontabs: ['/etc/crontab'], config: '/etc/hb/hb.yaml' };
  for (const out of [renderDoctorText(findings, summary), renderDoctorJson(findings, summary)]) {
    assert.ok(!out.includes('hunter2'), out);
    assert.match(out, /probe:\*\*\*@hc-ping\.com/);
  }
});
