// The daemon's reload and stop: every event in every state of the pure machine, then the driver
// fed signals from an emitter, with reads and the loop's stop that end when the test says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { reloadStep, SERVING, type ReloadEffect, type ReloadEvent, type ReloadState } from '../../lib/rules/daemon/reload.ts';
import { serveSignals } from '../../lib/rules/daemon/reload-driver.ts';

type E = ReloadEffect<string>;
const reading = (again = false): ReloadState => ({ phase: 'reloading', step: 'reading', again });
const applying = (again = false): ReloadState => ({ phase: 'reloading', step: 'applying', again });
const STOPPING: ReloadState = { phase: 'stopping' };
const STOPPED: ReloadState = { phase: 'stopped' };

const EVENTS: Record<string, ReloadEvent<string>> = {
  hup: { kind: 'hup' },
  term: { kind: 'term', signal: 'SIGTERM' },
  'read-ok': { kind: 'config-read-ok', config: 'new config' },
  'read-failed': { kind: 'config-read-failed', message: 'hb.yaml:3:7: bad' },
  applied: { kind: 'applied' },
  'apply-failed': { kind: 'apply-failed', message: 'cannot write the copy' },
  'loop-stopped': { kind: 'loop-stopped' },
};

const read: E = { kind: 'read-config' };
const stopNow: E[] = [{ kind: 'log', message: 'SIGTERM: stopping' }, { kind: 'notify-stopping' }, { kind: 'stop-loop' }];
const failed = (why: string): E => ({ kind: 'log', message: `reload failed, keeping the previous config: ${why}` });
const READ_FAILED = failed('hb.yaml:3:7: bad');
const APPLY_FAILED = failed('cannot write the copy');

/** [state, { event: [next state, effects] }]; an event left out changes nothing and does nothing. */
const TABLE: Array<[string, ReloadState, Record<string, [ReloadState, E[]]>]> = [
  ['serving', SERVING, { hup: [reading(), [read]], term: [STOPPING, stopNow] }],
  [
    'reading',
    reading(),
    {
      hup: [reading(true), []],
      term: [STOPPING, stopNow],
      'read-ok': [applying(), [{ kind: 'apply', config: 'new config' }]],
      'read-failed': [SERVING, [READ_FAILED]],
    },
  ],
  [
    'reading, a HUP came meanwhile',
    reading(true),
    {
      hup: [reading(true), []],
      term: [STOPPING, stopNow],
      'read-ok': [applying(true), [{ kind: 'apply', config: 'new config' }]],
      'read-failed': [reading(), [READ_FAILED, read]],
    },
  ],
  [
    'applying',
    applying(),
    {
      hup: [applying(true), []],
      term: [STOPPING, stopNow],
      applied: [SERVING, []],
      'apply-failed': [SERVING, [APPLY_FAILED]],
    },
  ],
  [
    'applying, a HUP came meanwhile',
    applying(true),
    {
      hup: [applying(true), []],
      term: [STOPPING, stopNow],
      applied: [reading(), [read]],
      'apply-failed': [reading(), [APPLY_FAILED, read]],
    },
  ],
  [
    'stopping',
    STOPPING,
    {
      term: [STOPPING, [{ kind: 'stop-loop' }]],
      'read-failed': [STOPPING, [READ_FAILED]],
      'apply-failed': [STOPPING, [APPLY_FAILED]],
      'loop-stopped': [STOPPED, [{ kind: 'finish' }]],
    },
  ],
  ['stopped', STOPPED, {}],
];

test('reload machine: every event in every state', () => {
  for (const [name, state, expected] of TABLE) {
    for (const [eventName, event] of Object.entries(EVENTS)) {
      const want = expected[eventName] ?? [state, []];
      assert.deepEqual(reloadStep(state, event), { state: want[0], effects: want[1] }, `${name} + ${eventName}`);
    }
  }
});

test('reload machine: SIGINT stops as SIGTERM does, named in the log; HUPs during a reload fold into one more read', () => {
  assert.deepEqual(reloadStep(SERVING, { kind: 'term', signal: 'SIGINT' }).effects[0], { kind: 'log', message: 'SIGINT: stopping' });
  let state = SERVING;
  const effects: E[] = [];
  for (const event of [EVENTS.hup, EVENTS.hup, EVENTS.hup, EVENTS['read-ok'], EVENTS.applied, EVENTS['read-ok'], EVENTS.applied] as Array<
    ReloadEvent<string>
  >) {
    const step = reloadStep<string>(state, event);
    state = step.state;
    effects.push(...step.effects);
  }
  assert.deepEqual(
    effects.map((e) => e.kind),
    ['read-config', 'apply', 'read-config', 'apply'],
  );
  assert.deepEqual(state, SERVING);
});

/** Signals, reads and the loop's stop that the test ends by hand; what the driver did, in order. */
function harness(opts: { applyFails?: string } = {}) {
  const signals = new EventEmitter();
  const did: string[] = [];
  const reads: Array<{ resolve: (c: string) => void; reject: (e: Error) => void }> = [];
  let stopLoop: () => void = () => {};
  const loopStopped = new Promise<void>((r) => (stopLoop = r));
  const served = serveSignals<string>(signals, {
    read: () => {
      did.push('read');
      return new Promise((resolve, reject) => reads.push({ resolve, reject }));
    },
    apply: (config) => {
      did.push(`apply ${config}`);
      if (opts.applyFails) throw new Error(opts.applyFails);
    },
    log: (message) => did.push(`log ${message}`),
    notifyStopping: () => did.push('notify stopping'),
    stopLoop: () => {
      did.push('stop loop');
      return loopStopped;
    },
  });
  const settled = () => new Promise((r) => setImmediate(r));
  return { signals, did, reads, served, stopLoop: () => stopLoop(), settled };
}

test('driver: a HUP reads and applies; a second HUP during the reload reads once more after it; a failed read is logged', async () => {
  const h = harness();
  h.signals.emit('SIGHUP', 'SIGHUP');
  h.signals.emit('SIGHUP', 'SIGHUP');
  h.signals.emit('SIGHUP', 'SIGHUP');
  assert.deepEqual(h.did, ['read']);
  h.reads[0]!.resolve('v2');
  await h.settled();
  assert.deepEqual(h.did, ['read', 'apply v2', 'read']);
  h.reads[1]!.reject(new Error('hb.yaml:1:1: broken'));
  await h.settled();
  assert.deepEqual(h.did.slice(3), ['log reload failed, keeping the previous config: hb.yaml:1:1: broken']);
  assert.equal(h.signals.listenerCount('SIGHUP'), 1);
  h.signals.emit('SIGTERM', 'SIGTERM');
  h.stopLoop();
  await h.served;
});

test('driver: an apply that throws is logged as a failed reload, and the next HUP reloads', async () => {
  const h = harness({ applyFails: 'cannot write the copy of the config' });
  h.signals.emit('SIGHUP', 'SIGHUP');
  h.reads[0]!.resolve('v2');
  await h.settled();
  h.signals.emit('SIGHUP', 'SIGHUP');
  assert.deepEqual(h.did, ['read', 'apply v2', 'log reload failed, keeping the previous config: cannot write the copy of the config', 'read']);
  h.signals.emit('SIGINT', 'SIGINT');
  h.stopLoop();
  await h.served;
});

test('driver: TERM during a reload stops; the read that ends after it changes nothing; a second TERM asks the loop again; listeners are removed at the end', async () => {
  const h = harness();
  h.signals.emit('SIGHUP', 'SIGHUP');
  h.signals.emit('SIGTERM', 'SIGTERM');
  h.signals.emit('SIGHUP', 'SIGHUP');
  h.reads[0]!.resolve('v2');
  await h.settled();
  h.signals.emit('SIGINT', 'SIGINT');
  assert.deepEqual(h.did, ['read', 'log SIGTERM: stopping', 'notify stopping', 'stop loop', 'stop loop']);
  let over = false;
  void h.served.then(() => (over = true));
  await h.settled();
  assert.equal(over, false, 'serving until the loop has stopped');
  h.stopLoop();
  await h.served;
  for (const s of ['SIGHUP', 'SIGTERM', 'SIGINT']) assert.equal(h.signals.listenerCount(s), 0, s);
  assert.equal(h.reads.length, 1, 'no read after the stop');
});
