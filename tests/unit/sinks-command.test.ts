// The command sink against real programs: environment, stdin JSON, exit codes, timeouts that
// kill the whole process group, missing programs, and output that never reaches hb's stdout.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSink } from '../../lib/adapters/sinks/command.ts';
import { SinkError } from '../../lib/rules/sinks/types.ts';
import type { Notification, SinkContext } from '../../lib/rules/sinks/types.ts';
import type { SinkConfig } from '../../lib/rules/sinks/validate.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'hb-sink-command-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let seq = 0;
const file = (name: string): string => join(tmp, `${++seq}-${name}`);

const note = (over: Partial<Notification> = {}): Notification => ({
  v: 1,
  id: 'n-1',
  type: 'alert',
  job: 'backup',
  host: 'db1',
  status: 'failed',
  problem: true,
  message: 'backup failed: exit 3',
  title: '[hb] backup failed',
  incident: { id: 'inc-7', opened_at: '2026-01-02T03:04:05Z', status: 'failed', reminders: 0 },
  ts: '2026-01-02T03:04:05Z',
  run: { run_id: 'r1', exit_code: 3, output_tail: 'tar: disk full\n' },
  ...over,
});
const config = (run: string | string[], timeoutMs = 5000): SinkConfig => ({
  kind: 'command',
  where: 'notify[0]',
  options: { run },
  timeoutMs,
  retries: 0,
  on: null,
});
const ctx = (env: NodeJS.ProcessEnv = {}): SinkContext => ({ env: { PATH: process.env.PATH, ...env }, now: () => 0, readFile: () => '' });

/** Whether a pid is a running process (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function rejection(p: Promise<unknown>): Promise<SinkError> {
  const e = await p.then(
    () => assert.fail('expected the delivery to fail'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof SinkError, `expected a SinkError, got ${String(e)}`);
  return e;
}

describe('command sink', () => {
  test('passes HB_* variables, the base environment and the notification as JSON on stdin', async () => {
    const out = file('rec.json');
    const n = note();
    const sink = createSink(config([process.execPath, fixture('sink-command.js'), out, '0']), ctx({ KEEP: 'me' }));
    assert.equal(await sink.deliver(n, null), undefined);
    const rec = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(rec.env, {
      HB_JOB: 'backup',
      HB_STATUS: 'failed',
      HB_TYPE: 'alert',
      HB_MESSAGE: 'backup failed: exit 3',
      HB_TITLE: '[hb] backup failed',
      HB_HOST: 'db1',
      HB_INCIDENT: 'inc-7',
      HB_EXIT_CODE: '3',
    });
    assert.equal(rec.path, process.env.PATH);
    assert.deepEqual(JSON.parse(rec.stdin), n);
  });

  test('leaves HB_EXIT_CODE out when unknown (even one inherited) and HB_INCIDENT empty without an incident', async () => {
    const out = file('rec.json');
    const sink = createSink(config([process.execPath, fixture('sink-command.js'), out]), ctx({ HB_EXIT_CODE: '99' }));
    await sink.deliver(note({ type: 'message', incident: null, run: { exit_code: null } }), null);
    const rec = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(rec.env.HB_EXIT_CODE, undefined);
    assert.equal(rec.env.HB_INCIDENT, '');
    assert.equal(rec.env.HB_TYPE, 'message');
  });

  test("passes the run's outcome and reason as HB_OUTCOME and HB_REASON when the notification has them, never inherited ones", async () => {
    const out = file('rec.json');
    const sink = createSink(config([process.execPath, fixture('sink-command.js'), out]), ctx({ HB_OUTCOME: 'ok', HB_REASON: 'stale' }));
    const reason = "backup.sql.gz is 20 B; last run's was 2.1 GB";
    await sink.deliver(note({ message: `last run failed: ${reason}`, run: { exit_code: 0, outcome: 'failed', reason } }), null);
    const rec = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual([rec.env.HB_OUTCOME, rec.env.HB_REASON, rec.env.HB_MESSAGE], ['failed', reason, `last run failed: ${reason}`]);
    const bare = file('rec.json');
    await createSink(config([process.execPath, fixture('sink-command.js'), bare]), ctx({ HB_OUTCOME: 'ok', HB_REASON: 'stale' })).deliver(note(), null);
    const env = JSON.parse(readFileSync(bare, 'utf8')).env;
    assert.deepEqual([env.HB_OUTCOME, env.HB_REASON], [undefined, undefined]);
  });

  test('runs a string through /bin/sh -c, and labels the sink by its first word', async () => {
    const out = file('sh.txt');
    const sink = createSink(config(`printf '%s|%s|' "$HB_JOB" "$HB_TYPE" > ${out}; cat >> ${out}`), ctx());
    assert.equal(sink.label, 'command printf');
    assert.equal(sink.kind, 'command');
    await sink.deliver(note({ type: 'resolve' }), null);
    const [job, type, json] = readFileSync(out, 'utf8').split('|');
    assert.deepEqual([job, type, JSON.parse(json!).type], ['backup', 'resolve', 'resolve']);
    assert.equal(createSink(config('FOO=1 notify-send hi'), ctx()).label, 'command notify-send');
    assert.equal(createSink(config(['/usr/local/bin/page', '--urgent']), ctx()).label, 'command /usr/local/bin/page');
  });

  test('a non-zero exit is a retryable SinkError naming the code and the last stderr line', async () => {
    const sink = createSink(config([process.execPath, fixture('sink-command.js'), file('rec.json'), '3']), ctx());
    const e = await rejection(sink.deliver(note(), null));
    assert.equal(e.retryable, true);
    assert.match(e.message, /^command .*node.*: exited with 3: something went wrong: disk full$/);
    assert.doesNotMatch(e.message, /LEAK-STDERR/);
  });

  test('the stderr line quoted in an error is bounded', async () => {
    const sink = createSink(config(`printf '%0500d\\n' 0 >&2; exit 1`), ctx());
    const e = await rejection(sink.deliver(note(), null));
    assert.ok(e.message.length < 300, `message of ${e.message.length} characters`);
  });

  test('a timeout sends TERM, then KILL to a program that ignores TERM, and is retryable', async () => {
    const pidFile = file('pid');
    const sink = createSink(config(`echo $$ > ${pidFile}; exec "${process.execPath}" "${fixture('trap-term.js')}" ignore`, 300), ctx());
    const started = Date.now();
    const e = await rejection(sink.deliver(note(), null));
    assert.equal(e.retryable, true);
    assert.match(e.message, /timed out after 300 ms and was killed/);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.equal(alive(Number(readFileSync(pidFile, 'utf8'))), false);
  });

  test('a timeout also kills what the program started, so nothing keeps its pipes open', async () => {
    const pidFile = file('pid');
    const sink = createSink(config(`sleep 30 & echo $! > ${pidFile}; wait`, 200), ctx());
    const started = Date.now();
    const e = await rejection(sink.deliver(note(), null));
    assert.match(e.message, /timed out/);
    assert.ok(Date.now() - started < 3000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(alive(pid), false);
  });

  test('a missing program is a retryable failure that says so (it may be installed later)', async () => {
    const direct = await rejection(createSink(config(['/nonexistent/hb-page']), ctx()).deliver(note(), null));
    assert.equal(direct.retryable, true);
    assert.equal(direct.message, 'command /nonexistent/hb-page: /nonexistent/hb-page not found (install it or fix run:)');
    const viaShell = await rejection(createSink(config('hb-no-such-program-7 --now'), ctx()).deliver(note(), null));
    assert.equal(viaShell.retryable, true);
    assert.match(viaShell.message, /^command hb-no-such-program-7: exited with 127, hb-no-such-program-7 probably not found: .*not found$/);
  });

  test('a program that does not read its stdin still counts as delivered', async () => {
    await createSink(config('true'), ctx()).deliver(note({ run: { output_tail: 'x'.repeat(300_000) } }), null);
  });

  test('a huge message is cut in the environment (Linux would refuse to start the program) but whole on stdin', async () => {
    const out = file('rec.json');
    const message = `${'é'.repeat(100_000)}END`;
    await createSink(config([process.execPath, fixture('sink-command.js'), out]), ctx()).deliver(note({ message }), null);
    const rec = JSON.parse(readFileSync(out, 'utf8'));
    assert.ok(Buffer.byteLength(rec.env.HB_MESSAGE) <= 8192);
    assert.match(rec.env.HB_MESSAGE, /^é+…$/);
    assert.equal(JSON.parse(rec.stdin).message, message);
  });

  test("the program's stdout and stderr never reach hb's own", () => {
    const script = file('leak.mts');
    const url = (p: string): string => JSON.stringify(new URL(p, import.meta.url).href);
    writeFileSync(
      script,
      [
        `import { createSink } from ${url('../../lib/adapters/sinks/command.ts')};`,
        `const ctx = { env: { PATH: process.env.PATH }, now: () => 0, readFile: () => '' };`,
        `const n = ${JSON.stringify(note())};`,
        `const cfg = (run, code) => ({ kind: 'command', where: 'notify[0]', options: { run }, timeoutMs: 5000, retries: 0, on: null });`,
        `await createSink(cfg([process.execPath, ${JSON.stringify(fixture('sink-command.js'))}, ${JSON.stringify(file('rec.json'))}, '0']), ctx).deliver(n, null);`,
        `await createSink(cfg('echo LEAK-SHELL-OUT; echo LEAK-SHELL-ERR >&2; exit 2'), ctx).deliver(n, null).catch(() => {});`,
        `process.stdout.write('DONE');`,
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'DONE');
    assert.equal(r.status, 0);
  });

  test('creating the sink does no work: nothing runs until deliver', () => {
    const marker = file('never');
    createSink(config(`touch ${marker}`), ctx());
    assert.equal(existsSync(marker), false);
  });
});
