// Bidi controls and invisible characters in what a job says (its message, its action, its output)
// are written out wherever a person reads them: hb status, hb check in every human format, hb log
// and the report. JSON keeps the job's text exact.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HUMAN_VIEWS, hb, sandbox } from '../helpers.ts';

const RLO = '\u202e';
const ZWSP = '\u200b';
/** Every character that may reorder or hide text; none may reach a reader raw. */
const HIDDEN = /[\p{Cf}\u115f\u1160\u3164\uffa0]/u;

test('U+202E and U+200B from a job are shown escaped by status, check, nagios, log and the report; JSON keeps them', () => {
  const s = sandbox();
  try {
    // Reads "exe.txt" in a terminal while the file is "txt.exe"; the zero-width space hides a word break.
    const message = `saved invoice${RLO}txt.exe to pay${ZWSP}roll`;
    const action = `copy${ZWSP}${RLO}kcab`;
    assert.equal(hb(['tick', 'evil', '--every', '1h', '--status', 'error', '--message', message, '--action', action], { env: s.env }).code, 0);
    const out = hb(['wrap', '--job', 'loud', '--every', '1h', '--action', `run${RLO}x`, '--', 'sh', '-c', `printf 'ok${RLO}done${ZWSP}\\n'; exit 3`], {
      env: s.env,
    });
    assert.equal(out.code, 3, out.stderr);

    const status = hb(['status'], { env: s.env });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /copy\\u200b\\u202ekcab/);
    assert.match(status.stdout, /run\\u202ex/);

    const check = hb(['check'], { env: s.env });
    assert.match(check.stdout, /evil\s+FAILED .*saved invoice\\u202etxt\.exe to pay\\u200broll/);

    for (const [what, args] of Object.entries(HUMAN_VIEWS)) {
      const r = hb(args, { env: s.env });
      assert.ok(r.code !== null && r.code <= 2, `${what}: exit ${r.code} ${r.stderr}`);
      assert.ok(r.stdout.includes('evil'), `${what} does not show the job`);
      assert.doesNotMatch(r.stdout, HIDDEN, `${what} lets a bidi or invisible character through`);
      assert.doesNotMatch(r.stderr, HIDDEN, `${what} stderr`);
    }
    assert.match(hb(['check', '--format', 'nagios'], { env: s.env }).stdout, /saved invoice\\u202etxt\.exe/);
    assert.match(hb(['report', '--format', 'markdown'], { env: s.env }).stdout, /saved invoice\\\\u202etxt\.exe to pay\\\\u200broll/);

    const json = hb(['status', '--json'], { env: s.env });
    const jobs = (
      JSON.parse(json.stdout) as { jobs: Array<{ job: string; last: { message: string | null; action: string | null; output_tail: string | null } | null }> }
    ).jobs;
    assert.equal(jobs.find((j) => j.job === 'evil')?.last?.message, message, 'JSON keeps the message exact');
    assert.equal(jobs.find((j) => j.job === 'evil')?.last?.action, action, 'JSON keeps the action exact');
    assert.equal(jobs.find((j) => j.job === 'loud')?.last?.output_tail, `ok${RLO}done${ZWSP}\n`, 'JSON keeps the output exact');
  } finally {
    s.cleanup();
  }
});
