// The cause line every surface shows under a problem job's reason: the root or likely cause first,
// the rest in rank order, ruled-out causes only when asked, bounded, always one line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { causeLine, notifiedEvidence, rootCauseText, NOTIFIED_EVIDENCE } from '../../lib/rules/evidence/cause-line.ts';
import type { Evidence } from '../../lib/rules/evidence/types.ts';
import { CRON_DOWN, DUMP_FAILED, DUMP_ROOT, HOST_UP, LINE_GONE, LOG_SILENT, NO_LOCK } from '../fixtures/evidence.ts';

test('the likely cause is named first, then the other causes and clues in rank order, whatever order they came in', () => {
  const line = causeLine({ evidence: [LOG_SILENT, NO_LOCK, LINE_GONE, CRON_DOWN], root_cause: null });
  assert.equal(line, `likely: ${CRON_DOWN.text}; also: ${LINE_GONE.text}; ${LOG_SILENT.text}`);
});

test('ruled-out causes are left out, and named last with verbose', () => {
  const evidence = [NO_LOCK, CRON_DOWN, HOST_UP];
  assert.equal(causeLine({ evidence, root_cause: null }), `likely: ${CRON_DOWN.text}`);
  assert.equal(causeLine({ evidence, root_cause: null }, { verbose: true }), `likely: ${CRON_DOWN.text}; ruled out: ${HOST_UP.text}; ${NO_LOCK.text}`);
});

test('nothing to say: no evidence, or only ruled-out causes without verbose', () => {
  assert.equal(causeLine({ evidence: [], root_cause: null }), null);
  assert.equal(causeLine({ evidence: [NO_LOCK], root_cause: null }), null);
  assert.equal(causeLine({ evidence: [NO_LOCK], root_cause: null }, { verbose: true }), `ruled out: ${NO_LOCK.text}`);
});

test('a root cause comes first, and the dependency item that names it is not said twice', () => {
  const line = causeLine({ evidence: [CRON_DOWN, DUMP_FAILED], root_cause: DUMP_ROOT });
  assert.equal(line, `because dump failed 2h ago (needs job:dump): alerted as dump's incident; also: ${CRON_DOWN.text}`);
  // Another failed dependency is still named.
  const other: Evidence = { ...DUMP_FAILED, text: 'keys is stale', facts: { need: 'job:keys', job: 'keys' } };
  assert.match(causeLine({ evidence: [DUMP_FAILED, other], root_cause: DUMP_ROOT })!, /; also: keys is stale$/);
});

test('a root cause found through a chain keeps one pair of parentheses', () => {
  assert.equal(
    rootCauseText({ job: 'db', need: 'job:dump', text: 'db failed 2h ago (through dump)' }),
    "because db failed 2h ago (through dump; needs job:dump): alerted as db's incident",
  );
});

test('the precondition at the root is not said twice; another failed precondition is', () => {
  const mount: Evidence = { kind: 'precondition', weight: 'cause', text: '/mnt/b is not mounted', facts: { need: 'mount:/mnt/b', holds: false } };
  const port: Evidence = {
    kind: 'precondition',
    weight: 'cause',
    text: '127.0.0.1:9 refused the connection',
    facts: { need: 'tcp:127.0.0.1:9', holds: false },
  };
  assert.equal(
    causeLine({ evidence: [mount, port], root_cause: { job: null, need: 'mount:/mnt/b', text: '/mnt/b is not mounted' } }),
    'because /mnt/b is not mounted (needs mount:/mnt/b); also: 127.0.0.1:9 refused the connection',
  );
});

test('a precondition at the root has no incident of its own to be alerted as', () => {
  assert.equal(
    rootCauseText({ job: null, need: 'mount:/mnt/backup', text: '/mnt/backup is not mounted' }),
    'because /mnt/backup is not mounted (needs mount:/mnt/backup)',
  );
});

test('at most three items follow the first; the rest are counted and pointed to; verbose names them all', () => {
  const clues = Array.from({ length: 6 }, (_, i): Evidence => ({ kind: 'elsewhere', weight: 'clue', text: `clue ${i}`, facts: {} }));
  const line = causeLine({ evidence: [CRON_DOWN, ...clues, NO_LOCK], root_cause: null });
  assert.equal(line, `likely: ${CRON_DOWN.text}; also: clue 0; clue 1; clue 2; 3 more in hb status`);
  const all = causeLine({ evidence: [CRON_DOWN, ...clues, NO_LOCK], root_cause: null }, { verbose: true });
  assert.equal(all, `likely: ${CRON_DOWN.text}; also: clue 0; clue 1; clue 2; clue 3; clue 4; clue 5; ruled out: ${NO_LOCK.text}`);
  assert.equal(causeLine({ evidence: [CRON_DOWN, LINE_GONE], root_cause: null }, { also: 0 }), `likely: ${CRON_DOWN.text}; 1 more in hb status`);
});

test('a text with line breaks stays on one line', () => {
  const broken: Evidence = { ...CRON_DOWN, text: 'first\r\n  second\u2028third' };
  assert.equal(
    causeLine({ evidence: [broken], root_cause: { job: 'a', need: 'job:a', text: 'a\nfailed' } }),
    "because a failed (needs job:a): alerted as a's incident; also: first second third",
  );
});

test('a notification carries the evidence ranked and at most ten items', () => {
  const many = Array.from({ length: 14 }, (_, i): Evidence => ({ kind: 'elsewhere', weight: 'clue', text: `clue ${i}`, facts: {} }));
  const carried = notifiedEvidence([...many, CRON_DOWN]);
  assert.equal(carried.length, NOTIFIED_EVIDENCE);
  assert.equal(NOTIFIED_EVIDENCE, 10);
  assert.deepEqual(carried[0], CRON_DOWN);
  assert.deepEqual(
    carried.slice(1).map((e) => e.text),
    ['clue 0', 'clue 1', 'clue 2', 'clue 3', 'clue 4', 'clue 5', 'clue 6', 'clue 7', 'clue 8'],
  );
});
