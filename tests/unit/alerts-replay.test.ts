// Replaying what a check that died between its outbox and its alert state had decided: the next
// check neither opens a second incident nor sends a second resolve, and never resurrects an
// incident whose pending notifications the stored state already accounts for.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { QUIET, step, type JobAlertState } from '../../lib/rules/alerts/incident.ts';
import { replayUnrecorded } from '../../lib/rules/alerts/replay.ts';
import { readAlertState, writeAlertState } from '../../lib/adapters/alerts/state.ts';
import type { Notification } from '../../lib/rules/sinks/types.ts';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const POLICY = { remindMs: null };

function note(type: Notification['type'], incident: string | null, over: Partial<Notification> = {}): Notification {
  return {
    v: 1,
    id: `${type}-${incident}`,
    type,
    job: 'j',
    host: 'h',
    status: type === 'resolve' ? 'ok' : 'failed',
    problem: type !== 'resolve',
    message: 'm',
    title: 't',
    ts: iso(T0),
    incident: incident ? { id: incident, opened_at: iso(T0), status: 'failed', reminders: 0 } : null,
    ...over,
  };
}
const open = (id: string, reminders = 0): JobAlertState => ({
  incident: { id, opened_at: iso(T0), status: 'failed', reminders, last_sent_at: iso(T0) },
});
const states = (entries: Array<[string, JobAlertState]>) => new Map(entries);

test('an alert the state never recorded is adopted: the next problem check sends nothing new', () => {
  const r = replayUnrecorded(new Map(), new Set(), [note('alert', 'inc-1')]);
  assert.deepEqual(r.states.get('j'), { incident: { id: 'inc-1', opened_at: iso(T0), status: 'failed', reminders: 0, last_sent_at: iso(T0) } });
  assert.deepEqual(
    r.notifications.map((n) => n.id),
    ['alert-inc-1'],
  );
  const next = step(r.states.get('j')!, { status: 'failed', problem: true }, POLICY, T0 + 60_000, () => 'inc-2');
  assert.deepEqual(next.drafts, [], 'no second incident');
  const healed = step(r.states.get('j')!, { status: 'ok', problem: false }, POLICY, T0 + 60_000, () => 'inc-2');
  assert.deepEqual(
    healed.drafts.map((d) => `${d.type}:${d.incident.id}`),
    ['resolve:inc-1'],
    'and it resolves the adopted incident',
  );
});

test('a resolve the state never recorded closes the incident: no second resolve', () => {
  const r = replayUnrecorded(states([['j', open('inc-1')]]), new Set(['alert-inc-1']), [note('alert', 'inc-1'), note('resolve', 'inc-1')]);
  assert.deepEqual(r.states.get('j'), QUIET);
  assert.deepEqual(step(r.states.get('j')!, { status: 'ok', problem: false }, POLICY, T0, () => 'x').drafts, []);
});

test('alert and resolve both unrecorded, in order: quiet again, both still to be delivered', () => {
  const r = replayUnrecorded(new Map(), new Set(), [note('alert', 'inc-1'), note('resolve', 'inc-1')]);
  assert.deepEqual(r.states.get('j'), QUIET);
  assert.deepEqual(
    r.notifications.map((n) => n.type),
    ['alert', 'resolve'],
  );
});

test('a reminder the state never recorded moves the reminder count and time on', () => {
  const later = iso(T0 + 3_600_000);
  const remind = note('remind', 'inc-1', { ts: later, incident: { id: 'inc-1', opened_at: iso(T0), status: 'failed', reminders: 1 } });
  const r = replayUnrecorded(states([['j', open('inc-1')]]), new Set(), [remind]);
  assert.equal(r.states.get('j')!.incident!.reminders, 1);
  assert.equal(r.states.get('j')!.incident!.last_sent_at, later);
});

test('items the state accounts for are left alone: a sink that is down while the incident closed', () => {
  // The alert still waits for a sink that is down; the state has since closed the incident.
  const r = replayUnrecorded(new Map(), new Set(['alert-inc-1']), [note('alert', 'inc-1')]);
  assert.equal(r.states.get('j'), undefined);
  assert.deepEqual(r.notifications, []);
});

test('a state of unknown age (no journal) replays nothing', () => {
  const r = replayUnrecorded(new Map(), null, [note('alert', 'inc-1')]);
  assert.deepEqual([...r.states], []);
  assert.deepEqual(r.notifications, []);
});

test('one notification queued for several sinks is replayed once; messages and run pings never', () => {
  const alert = note('alert', 'inc-1');
  const r = replayUnrecorded(new Map(), new Set(), [alert, { ...alert }, note('message', null), note('run_end', null)]);
  assert.deepEqual(
    r.notifications.map((n) => n.id),
    ['alert-inc-1'],
  );
});

test('a resolve of an incident the state does not have open changes nothing', () => {
  const r = replayUnrecorded(states([['j', open('inc-2')]]), new Set(), [note('resolve', 'inc-1')]);
  assert.equal(r.states.get('j')!.incident!.id, 'inc-2');
});

const root = mkdtempSync(join(tmpdir(), 'hb-alert-state-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('state.json: no file is an empty journal, a file from before journals an unknown one', () => {
  const dir = join(root, 'a');
  mkdirSync(join(dir, 'alerts'), { recursive: true });
  assert.deepEqual(readAlertState(dir).journal, new Set());
  writeFileSync(join(dir, 'alerts', 'state.json'), JSON.stringify({ v: 1, jobs: { j: open('inc-1') } }));
  const legacy = readAlertState(dir);
  assert.equal(legacy.journal, null);
  assert.equal(legacy.jobs.get('j')!.incident!.id, 'inc-1');
  writeFileSync(join(dir, 'alerts', 'state.json'), '{"v":1,"jobs":');
  assert.deepEqual(readAlertState(dir), { jobs: new Map(), journal: null }, 'unreadable: nothing open, nothing replayed');
});

test('state.json: the journal is written with the states, and nothing is written when nothing changed', () => {
  const dir = join(root, 'b');
  mkdirSync(dir);
  writeAlertState(dir, states([['j', open('inc-1')]]), new Set(['b', 'a']), readAlertState(dir));
  const stored = readAlertState(dir);
  assert.deepEqual(stored.journal, new Set(['a', 'b']));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'alerts', 'state.json'), 'utf8')).journal, ['a', 'b']);
  const before = statSync(join(dir, 'alerts', 'state.json')).ino;
  writeAlertState(dir, stored.jobs, new Set(['a', 'b']), stored);
  assert.equal(statSync(join(dir, 'alerts', 'state.json')).ino, before, 'unchanged: not rewritten');
});
