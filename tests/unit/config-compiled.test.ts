// The compiled config: its key, its layout (a run finds its job's line by bucket and byte
// offsets), what reads back exactly, and the adapter that keeps it (lib/adapters/config/cache.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, linkSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { compiledPlace, readCompiled, writeCompiled } from '../../lib/adapters/config/cache.ts';
import {
  COMPILED_FORMAT,
  RACY_WINDOW_MS,
  bucketOf,
  compiledFileName,
  decodeHeader,
  decodeJobs,
  encodeCompiled,
  isRacy,
  jsonExact,
  sameKey,
  utf8Length,
  type CompiledKey,
} from '../../lib/rules/config/compiled.ts';
import type { HbConfig } from '../../lib/rules/config/types.ts';
import { tempDirs } from '../fakes.ts';

const newDir = tempDirs('hb-compiled-');

const KEY: CompiledKey = {
  build: 'b1',
  tz: 'UTC',
  given: 'hb.yaml',
  absolute: '/etc/hb/hb.yaml',
  source: '/etc/hb/hb.yaml',
  parts: '',
  dev: '1',
  ino: '2',
  size: '3',
  mtimeNs: '4',
  ctimeNs: '5',
};

const RICH = `state_dir: ./state
defaults: {grace: 5m, timeout: 1h}
unscheduled: problem
notify:
  - webhook: {url: "https://example.invalid/hook", on: [alert, resolve]}
jobs:
  backup:
    cron: "30 2 * * *"
    tz: Europe/Paris
    command: echo "sauvegardé 日本 😀"
    notify: [{command: {run: [/bin/true]}}]
    recover: {health: {pid_file: /run/app.pid}, restart: systemctl restart app}
  ping: {every: 15m, grace: 1m, alert_after: 3}
  plain:
${Array.from({ length: 60 }, (_, i) => `  j${i}: {every: ${i + 1}m, command: [/bin/echo, "é${i}"]}\n`).join('')}`;

/** The config as JSON sees it (undefined fields left out), for comparing what was kept with what was validated. */
const asJson = (c: HbConfig) => JSON.parse(JSON.stringify({ ...c, jobs: [...c.jobs.values()] })) as unknown;

test('the compiled text reads back as the validated config, every job in its bucket at its byte offsets', async () => {
  const config = await parseConfigText(RICH, '/etc/hb/hb.yaml', 'UTC');
  const text = encodeCompiled(KEY, config);
  assert.ok(text !== null);
  const bytes = Buffer.from(text);
  const nl = bytes.indexOf(10);
  const header = decodeHeader(bytes.toString('utf8', 0, nl));
  assert.ok(typeof header !== 'string', String(header));
  assert.equal(header.count, config.jobs.size);
  assert.ok(sameKey(header.key, KEY));
  const body = bytes.subarray(nl + 1);
  assert.equal(header.index.at(-1), body.length, 'the index ends where the file does');
  const jobs = [];
  for (let b = 0; b < header.buckets; b++) {
    const inBucket = decodeJobs(body.toString('utf8', header.index[b], header.index[b + 1]));
    assert.ok(inBucket);
    for (const job of inBucket) assert.equal(bucketOf(job.name, header.buckets), b, `${job.name} is in its own bucket`);
    jobs.push(...inBucket);
  }
  const back: HbConfig = { ...header.globals, jobs: new Map(jobs.map((j) => [j.name, j])) };
  assert.deepEqual(asJson({ ...back, jobs: new Map([...config.jobs.keys()].map((k) => [k, back.jobs.get(k)!])) }), asJson(config));
});

test('UTF-8 lengths are counted as Buffer counts them', () => {
  for (const text of ['', 'abc', 'é', '日本', '😀x', 'a\ud800b', '\udc00', 'x'.repeat(1000) + '€']) {
    assert.equal(utf8Length(text), Buffer.byteLength(text, 'utf8'), JSON.stringify(text));
  }
});

test('every field of the key tells two builds apart', () => {
  assert.ok(sameKey(KEY, { ...KEY }));
  for (const field of Object.keys(KEY) as Array<keyof CompiledKey>) {
    assert.equal(sameKey(KEY, { ...KEY, [field]: `${KEY[field]}x` }), false, field);
  }
});

test('the file name follows the config and where it is read from, not its content', () => {
  const name = compiledFileName(KEY);
  assert.match(name, /^[0-9a-f]{16}\.hbc$/);
  const edited: CompiledKey = { ...KEY, size: '99', ctimeNs: '7' };
  assert.equal(compiledFileName(edited), name);
  for (const field of ['given', 'absolute', 'source', 'tz'] as const) {
    assert.notEqual(compiledFileName({ ...KEY, [field]: `${KEY[field]}x` }), name, field);
  }
});

test('a config changed within the racy window, or stamped ahead of the clock, is not keyed', () => {
  const now = 1_000_000_000;
  assert.equal(isRacy(now - RACY_WINDOW_MS, now), false);
  assert.equal(isRacy(now - RACY_WINDOW_MS + 1, now), true);
  assert.equal(isRacy(now, now), true);
  assert.equal(isRacy(now + 5_000, now), true);
});

test('only values JSON gives back exactly are compiled', () => {
  for (const v of [null, 'a', 1, true, [1, 'b'], { a: { b: [null] } }, { a: undefined }]) assert.equal(jsonExact(v), true, JSON.stringify(v));
  for (const v of [Infinity, NaN, -0, [undefined], new Date(0), new Map(), 1n, () => 1, { a: Infinity }]) assert.equal(jsonExact(v), false, String(v));
  const config: HbConfig = { file: 'x', defaults: {}, notify: [], jobs: new Map([['a', { name: 'a', graceMs: Infinity }]]) };
  assert.equal(encodeCompiled(KEY, config), null);
});

test('a header that is not one is named, never used', () => {
  const good = JSON.parse(encodeCompiled(KEY, { file: 'x', defaults: {}, notify: [], jobs: new Map() })!.split('\n')[0]!) as Record<string, unknown>;
  assert.equal(typeof decodeHeader(JSON.stringify(good)), 'object');
  const bad: Array<[string, unknown]> = [
    ['not JSON', '{'],
    ['another format', { ...good, hbc: COMPILED_FORMAT + 1 }],
    ['a key without ctime', { ...good, key: { ...KEY, ctimeNs: undefined } }],
    ['an index of the wrong length', { ...good, index: [0, 1, 2] }],
    ['an index going back', { ...good, buckets: 2, index: [0, 5, 4] }],
    ['no globals', { ...good, globals: null }],
  ];
  for (const [what, h] of bad) assert.equal(typeof decodeHeader(typeof h === 'string' ? h : JSON.stringify(h)), 'string', what);
  assert.deepEqual(decodeJobs('[1,{"name":"b"}]\n[0,{"name":"a"}]\n', 2), [{ name: 'a' }, { name: 'b' }], 'the whole body in config order');
  assert.equal(decodeJobs('[0,{"name":"a"}]\nnot json\n'), null);
  assert.equal(decodeJobs('[0,{"nom":"a"}]\n'), null);
  assert.equal(decodeJobs('[0,{"name":"a"}]\n[0,{"name":"b"}]\n', 2), null, 'an ordinal twice');
  assert.equal(decodeJobs('[0,{"name":"a"}]\n', 2), null, 'a job missing');
});

test('the adapter keeps a config 0600 and reads back the globals with only the jobs asked for, or all', async () => {
  const dir = newDir();
  const cfg = join(dir, 'hb.yaml');
  writeFileSync(cfg, RICH);
  const config = await parseConfigText(RICH, cfg, 'UTC');
  const place = compiledPlace(join(dir, 'state'), cfg, cfg, cfg, 'UTC')!;
  const ctime = statSync(cfg).ctimeMs;
  assert.equal(writeCompiled(place, config, ctime + 1), false, 'a racy config is not kept');
  assert.equal(readCompiled(place, 'all'), null);
  assert.equal(writeCompiled(place, config, ctime + RACY_WINDOW_MS + 1), true);
  assert.equal(statSync(place.file).mode & 0o777, 0o600);

  const some = readCompiled(place, { jobs: ['j7', 'backup', 'nope', 'j7'] })!;
  assert.deepEqual([...some.jobs.keys()].sort(), ['backup', 'j7']);
  assert.deepEqual(asJson({ ...some, jobs: new Map() }), asJson({ ...config, jobs: new Map() }), 'the globals come whole');
  assert.deepEqual(some.jobs.get('backup'), JSON.parse(JSON.stringify(config.jobs.get('backup'))));
  const all = readCompiled(place, 'all')!;
  assert.deepEqual(asJson(all), asJson(config));

  // Another config identity (the file edited) misses; so does a second name for the file.
  assert.equal(readCompiled({ ...place, key: { ...place.key, ctimeNs: '1' } }, 'all'), null);
  linkSync(place.file, join(dir, 'second-name'));
  assert.equal(readCompiled(place, 'all'), null, 'a compiled file with two links is not read');
});

test('the adapter misses on a file others can write, and a state directory it cannot write only leaves nothing kept', async () => {
  const dir = newDir();
  const cfg = join(dir, 'hb.yaml');
  writeFileSync(cfg, RICH);
  const config = await parseConfigText(RICH, cfg, 'UTC');
  const place = compiledPlace(join(dir, 'state'), cfg, cfg, cfg, 'UTC')!;
  assert.equal(writeCompiled(place, config, Date.now() + 60_000), true);
  chmodSync(place.file, 0o620);
  assert.equal(readCompiled(place, 'all'), null, 'group-writable');
  chmodSync(place.file, 0o600);
  assert.ok(readCompiled(place, 'all'));
  writeFileSync(place.file, readFileSync(place.file, 'utf8').slice(0, -3));
  assert.equal(readCompiled(place, 'all'), null, 'cut short');

  // A state "directory" that is a file: nothing can be made under it.
  const blocked = join(dir, 'blocked');
  writeFileSync(blocked, '');
  const nowhere = compiledPlace(blocked, cfg, cfg, cfg, 'UTC')!;
  assert.equal(writeCompiled(nowhere, config, Date.now() + 60_000), false);
  assert.equal(compiledPlace(dir, join(dir, 'missing.yaml'), join(dir, 'missing.yaml'), join(dir, 'missing.yaml'), 'UTC'), null);
});
