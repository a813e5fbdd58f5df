// Pause, resume and forget in a state directory (lib/adapters/state/maintenance.ts), in-process with a set
// clock: which directory holds a job that must exist, the files each writes or removes, the events.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { emptyConfig } from '../../lib/rules/config/types.ts';
import { UsageError } from '../../lib/rules/errors.ts';
import { cyclePath } from '../../lib/adapters/run/cycle.ts';
import { forgetKnownJob, knownJobDir, pauseKnownJob, resumeKnownJob, type MaintenanceEffects } from '../../lib/adapters/state/maintenance.ts';
import { readEvents, tempDirs } from '../fakes.ts';

const newDir = tempDirs('hb-state-maintenance-');

const T0 = Date.parse('2026-11-20T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function effects(clock: { t: number }) {
  const said: string[] = [];
  const fx: MaintenanceEffects = { now: () => clock.t, warn: (line) => said.push(line) };
  return { fx, said };
}

const events = (dir: string) => readEvents(dir).events.map(({ type, ts, job, ...fields }) => ({ type, ts, job, ...fields }));
const noJob = (job: string, dir: string) => (e: unknown) =>
  e instanceof UsageError && e.message === `no job named ${job}: no heartbeat in ${dir} and not in the config`;

test('a job exists by its heartbeat, its running marker or its config entry; otherwise a usage error and nothing made', () => {
  const { fx, said } = effects({ t: T0 });
  const parent = newDir();
  const dir = join(parent, 'state');
  const state = { dir, userDir: join(parent, 'user'), source: '--state-dir' };
  assert.throws(() => knownJobDir('ghost', emptyConfig(), state, fx), noJob('ghost', dir));
  assert.deepEqual(readdirSync(parent), [], 'not even the state directory is made');
  const config = emptyConfig();
  config.jobs.set('configured', { name: 'configured' });
  assert.equal(knownJobDir('configured', config, state, fx), dir);
  writeFileSync(join(dir, 'beat.last'), '');
  writeFileSync(join(dir, 'running.run'), '');
  assert.equal(knownJobDir('beat', emptyConfig(), state, fx), dir);
  assert.equal(knownJobDir('running', emptyConfig(), state, fx), dir);
  assert.deepEqual(said, []);
});

test('as root, a state directory others can change is neither read nor changed: the job is looked for in the per-user one', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root');
  const { fx, said } = effects({ t: T0 });
  const parent = newDir();
  const shared = join(parent, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o777);
  writeFileSync(join(shared, 'planted.last'), '');
  const state = { dir: shared, userDir: join(parent, 'user'), source: '$HB_STATE_DIR', isRoot: true };
  assert.throws(() => knownJobDir('planted', emptyConfig(), state, fx), noJob('planted', state.userDir));
  assert.equal(said.length, 1);
  assert.match(said[0]!, new RegExp(`^hb: state directory ${shared} .*; writing to ${state.userDir} instead$`));
  writeFileSync(join(state.userDir, 'mine.last'), '');
  assert.equal(knownJobDir('mine', emptyConfig(), state, fx), state.userDir);
});

test('pause until resumed, pause for a while, resume, resume of a job not paused: files and events', () => {
  const dir = newDir();
  const clock = { t: T0 };
  const { fx } = effects(clock);
  assert.equal(pauseKnownJob(dir, 'j', undefined, fx), null);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'paused', 'j.json'), 'utf8')), { paused_at: iso(T0), until: null });
  clock.t = T0 + 60_000;
  assert.equal(resumeKnownJob(dir, 'j', fx), true);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'paused', 'j.json'), 'utf8')), { resumed_at: iso(T0 + 60_000) });
  assert.equal(resumeKnownJob(dir, 'j', fx), false, 'resumed already');
  assert.equal(resumeKnownJob(dir, 'never', fx), false, 'never paused');
  assert.equal(existsSync(join(dir, 'paused', 'never.json')), false);
  assert.equal(pauseKnownJob(dir, 'k', 3_600_000, fx), T0 + 60_000 + 3_600_000);
  assert.deepEqual(events(dir), [
    { type: 'paused', ts: iso(T0), job: 'j', until: null },
    { type: 'resumed', ts: iso(T0 + 60_000), job: 'j' },
    { type: 'paused', ts: iso(T0 + 60_000), job: 'k', until: iso(T0 + 3_660_000) },
  ]);
});

test('forget removes the heartbeat, running marker, pause and cycle counter, names the data removed, logs it', () => {
  const dir = newDir();
  const { fx } = effects({ t: T0 });
  writeFileSync(join(dir, 'j.last'), '');
  writeFileSync(join(dir, 'j.run'), '');
  pauseKnownJob(dir, 'j', undefined, fx);
  mkdirSync(join(dir, 'cycles'));
  writeFileSync(cyclePath(dir, 'j'), '7\n');
  const removed = [join(dir, 'j.last'), join(dir, 'j.run'), join(dir, 'paused', 'j.json')];
  assert.deepEqual(forgetKnownJob(dir, 'j', fx), removed);
  for (const path of [...removed, cyclePath(dir, 'j')]) assert.equal(existsSync(path), false, path);
  assert.deepEqual(forgetKnownJob(dir, 'j', fx), [], 'nothing left the second time');
  assert.deepEqual(events(dir).slice(1), [
    { type: 'forgotten', ts: iso(T0), job: 'j', removed },
    { type: 'forgotten', ts: iso(T0), job: 'j', removed: [] },
  ]);
});
