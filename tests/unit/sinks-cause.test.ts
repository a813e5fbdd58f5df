// The cause line and the evidence in what sinks send: a person reads the cause line as the
// message's second line (mail, Telegram, a tracker issue), escaped for where it goes; a program
// gets the notification JSON as is, and a command sink HB_CAUSE.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSink as command } from '../../lib/adapters/sinks/command.ts';
import { createSink as email } from '../../lib/adapters/sinks/email.ts';
import { createSink as github } from '../../lib/adapters/sinks/github.ts';
import { createSink as telegram } from '../../lib/adapters/sinks/telegram.ts';
import { createSink as webhook } from '../../lib/adapters/sinks/webhook.ts';
import { causeLine } from '../../lib/rules/evidence/cause-line.ts';
import type { Notification, SinkContext } from '../../lib/rules/sinks/types.ts';
import type { SinkConfig } from '../../lib/rules/sinks/validate.ts';
import { startRecorder, type Recorded } from '../fixtures/http-recorder.ts';
import { CRON_DOWN, HOSTILE, LINE_GONE } from '../fixtures/evidence.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'hb-sink-cause-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const ctx = (env: NodeJS.ProcessEnv = {}): SinkContext => ({ env: { PATH: process.env.PATH, ...env }, now: () => Date.UTC(2026, 0, 2), readFile: () => '' });
const config = (kind: string, options: Record<string, unknown>): SinkConfig => ({ kind, where: 'notify[0]', options, timeoutMs: 5000, retries: 0, on: null });

const CAUSE = causeLine({ evidence: [CRON_DOWN, LINE_GONE], root_cause: null })!;
const HOSTILE_CAUSE = causeLine({ evidence: [HOSTILE], root_cause: null })!;

function note(cause: string | null): Notification {
  return {
    v: 1,
    id: 'n-1',
    type: 'alert',
    job: 'backup',
    host: 'db1',
    status: 'stale',
    problem: true,
    message: 'last heartbeat 3h ago; was due 2h ago',
    title: '[hb] backup stale',
    incident: { id: 'inc-1', opened_at: '2026-01-02T00:00:00Z', status: 'stale', reminders: 0 },
    ts: '2026-01-02T00:00:00Z',
    evidence: [CRON_DOWN, LINE_GONE],
    cause,
    root_cause: null,
  };
}

test('email: the cause line is the second line of the body, right under the message', async () => {
  const log = join(tmp, 'mail.json');
  await email(config('email', { to: 'ops@example.net', sendmail: fixture('fake-sendmail.js') }), ctx({ FAKE_SENDMAIL_LOG: log })).deliver(note(CAUSE), null);
  const stdin = (JSON.parse(readFileSync(log, 'utf8')) as { stdin: string }).stdin;
  const body = stdin.slice(stdin.indexOf('\n\n') + 2);
  assert.deepEqual(body.split('\n').slice(0, 4), ['last heartbeat 3h ago; was due 2h ago', CAUSE, '', 'Job:      backup']);
  // No cause line: the facts follow the message as before.
  const bare = join(tmp, 'bare-mail.json');
  await email(config('email', { to: 'ops@example.net', sendmail: fixture('fake-sendmail.js') }), ctx({ FAKE_SENDMAIL_LOG: bare })).deliver(note(null), null);
  const plain = (JSON.parse(readFileSync(bare, 'utf8')) as { stdin: string }).stdin;
  assert.deepEqual(
    plain
      .slice(plain.indexOf('\n\n') + 2)
      .split('\n')
      .slice(0, 3),
    ['last heartbeat 3h ago; was due 2h ago', '', 'Job:      backup'],
  );
});

test('email: a hostile cause line has its hidden and control characters written out, on one line', async () => {
  const log = join(tmp, 'hostile-mail.json');
  await email(config('email', { to: 'ops@example.net', sendmail: fixture('fake-sendmail.js') }), ctx({ FAKE_SENDMAIL_LOG: log })).deliver(
    note(HOSTILE_CAUSE),
    null,
  );
  const stdin = (JSON.parse(readFileSync(log, 'utf8')) as { stdin: string }).stdin;
  const body = stdin.slice(stdin.indexOf('\n\n') + 2);
  assert.equal(body.split('\n')[1], 'likely: cron said \\u001b[2J<b>*boom*</b> | @ops invoice\\u202etxt.exe next line');
  assert.doesNotMatch(body, /[\u001b\u202e]/);
});

test('telegram: the cause line follows the message, its markup escaped and hidden characters written out', async () => {
  const rec = await startRecorder();
  try {
    const sink = telegram(config('telegram', { chat_id: 1, api_url: rec.url, token_env: 'TG' }), ctx({ TG: '1:abc' }), { backoffMs: 1 });
    await sink.deliver(note(HOSTILE_CAUSE), null);
    const text = (rec.requests[0]!.body as { text: string }).text;
    assert.equal(
      text,
      '<b>[hb] backup stale</b>\nlast heartbeat 3h ago; was due 2h ago\n' +
        'likely: cron said \\u001b[2J&lt;b&gt;*boom*&lt;/b&gt; | @ops invoice\\u202etxt.exe next line\n<i>db1</i>',
    );
  } finally {
    await rec.close();
  }
});

test('github: the issue body has the cause line under the message, Markdown and mentions made inert', async () => {
  const rec = await startRecorder({}, (req: Recorded) =>
    req.method === 'POST' ? { status: 201, body: { number: 1, html_url: 'https://forge.test/org/ops/issues/1' } } : { body: [] },
  );
  try {
    const sink = github(
      { kind: 'github', where: 'notify[0]', options: { repo: 'org/ops', api_url: rec.url, token_env: 'T' }, timeoutMs: 2000, retries: 0, on: null },
      ctx({ T: 'tok' }),
      { backoffMs: 1 },
    );
    await sink.deliver(note(HOSTILE_CAUSE), null);
    const created = rec.requests.find((r) => r.method === 'POST')!.body as { body: string };
    const [first, second] = created.body.split('\n');
    assert.equal(first, 'last heartbeat 3h ago; was due 2h ago\\');
    assert.equal(second, 'likely: cron said \\\\u001b\\[2J\\<b\\>\\*boom\\*\\</b\\> \\| `@ops` invoice\\\\u202etxt.exe next line');
  } finally {
    await rec.close();
  }
});

test('github: a reminder comment has the cause line under the message', async () => {
  const rec = await startRecorder({}, (req: Recorded) => (req.method === 'POST' ? { status: 201, body: { id: 1 } } : { body: [] }));
  try {
    const sink = github(
      { kind: 'github', where: 'notify[0]', options: { repo: 'org/ops', api_url: rec.url, token_env: 'T' }, timeoutMs: 2000, retries: 0, on: null },
      ctx({ T: 'tok' }),
      { backoffMs: 1 },
    );
    await sink.deliver(
      { ...note(CAUSE), type: 'remind', incident: { ...note(CAUSE).incident!, reminders: 1 } },
      { issue: 7, url: 'https://forge.test/org/ops/issues/7' },
    );
    const comment = rec.requests.find((r) => r.method === 'POST' && r.path.endsWith('/issues/7/comments'))!.body as { body: string };
    const [first, second] = comment.body.split('\n');
    assert.equal(first, '**Still stale** at 2026-01-02T00:00:00Z (reminder 1): last heartbeat 3h ago; was due 2h ago\\');
    assert.ok(second!.startsWith('likely: no cron daemon is running'), second);
  } finally {
    await rec.close();
  }
});

test('command: HB_CAUSE holds the cause line, unset (never inherited) when there is none; stdin has the evidence as is', async () => {
  const out = join(tmp, 'cmd.json');
  await command(config('command', { run: [process.execPath, fixture('sink-command.js'), out] }), ctx({ HB_CAUSE: 'inherited' })).deliver(note(CAUSE), null);
  const rec = JSON.parse(readFileSync(out, 'utf8')) as { env: Record<string, string>; stdin: string };
  assert.equal(rec.env.HB_CAUSE, CAUSE);
  assert.deepEqual(JSON.parse(rec.stdin).evidence, [CRON_DOWN, LINE_GONE]);
  await command(config('command', { run: [process.execPath, fixture('sink-command.js'), out] }), ctx({ HB_CAUSE: 'inherited' })).deliver(note(null), null);
  assert.equal((JSON.parse(readFileSync(out, 'utf8')) as { env: Record<string, string> }).env.HB_CAUSE, undefined);
});

test('webhook: the notification goes as JSON with its evidence, cause and root cause', async () => {
  const rec = await startRecorder();
  try {
    await webhook(config('webhook', { url: `${rec.url}/hook` }), ctx(), { backoffMs: 1 }).deliver(note(CAUSE), null);
    const body = rec.requests[0]!.body as Notification;
    assert.deepEqual([body.evidence, body.cause, body.root_cause], [[CRON_DOWN, LINE_GONE], CAUSE, null]);
    // The cause line is read in a chat like the message: hidden characters written out.
    await webhook(config('webhook', { url: `${rec.url}/hook` }), ctx(), { backoffMs: 1 }).deliver({ ...note('a\u202eb'), evidence: [] }, null);
    assert.equal((rec.requests[1]!.body as Notification).cause, 'a\\u202eb');
  } finally {
    await rec.close();
  }
});
