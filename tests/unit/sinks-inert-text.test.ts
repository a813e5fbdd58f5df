// Alert bodies a person reads (Telegram, e-mail, a webhook's text fields, a healthchecks ping
// body) show bidi and zero-width characters from a job written out, lines kept; the command sink,
// whose reader is a program, gets the notification exact.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSink as email } from '../../lib/adapters/sinks/email.ts';
import { createSink as healthchecks } from '../../lib/adapters/sinks/healthchecks.ts';
import { createSink as telegram } from '../../lib/adapters/sinks/telegram.ts';
import { createSink as webhook } from '../../lib/adapters/sinks/webhook.ts';
import type { Notification, SinkContext } from '../../lib/rules/sinks/types.ts';
import type { SinkConfig } from '../../lib/rules/sinks/validate.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';

const HIDDEN = /[\p{Cf}\u115f\u1160\u3164\uffa0]/u;
const tmp = mkdtempSync(join(tmpdir(), 'hb-sink-inert-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const ctx = (env: NodeJS.ProcessEnv = {}): SinkContext => ({ env: { PATH: process.env.PATH, ...env }, now: () => Date.UTC(2026, 0, 2), readFile: () => '' });
const config = (kind: string, options: Record<string, unknown>): SinkConfig => ({ kind, where: 'notify[0]', options, timeoutMs: 2000, retries: 0, on: null });

const note: Notification = {
  v: 1,
  id: 'n-1',
  type: 'alert',
  job: 'backup',
  host: 'db1',
  status: 'failed',
  problem: true,
  message: 'backup failed: invoice\u202etxt.exe',
  title: '[hb] backup: pay\u200broll',
  incident: { id: 'inc-1', opened_at: '2026-01-02T00:00:00Z', status: 'failed', reminders: 0 },
  ts: '2026-01-02T00:00:00Z',
  run: { exit_code: 3, output_tail: 'line one\nsaved \u2066secret\u2069 file\u200d\n' },
};

test('telegram: the title, message and output show U+202E, U+200B, U+2066 written out, lines kept', async () => {
  const rec = await startRecorder();
  try {
    await telegram(config('telegram', { chat_id: 1, api_url: rec.url, token_env: 'TG' }), ctx({ TG: '1:abc' }), { backoffMs: 1 }).deliver(note, null);
    const text = (rec.requests[0]!.body as { text: string }).text;
    assert.doesNotMatch(text, HIDDEN, text);
    assert.match(text, /invoice\\u202etxt\.exe/);
    assert.match(text, /pay\\u200broll/);
    assert.match(text, /line one\nsaved \\u2066secret\\u2069 file\\u200d/);
  } finally {
    await rec.close();
  }
});

test('webhook: title, message and output tail show them written out; the rest of the notification is as is', async () => {
  const rec = await startRecorder();
  try {
    await webhook(config('webhook', { url: `${rec.url}/hook` }), ctx(), { backoffMs: 1 }).deliver(note, null);
    const body = rec.requests[0]!.body as Notification;
    assert.doesNotMatch(JSON.stringify(body), HIDDEN);
    assert.equal(body.message, 'backup failed: invoice\\u202etxt.exe');
    assert.equal(body.title, '[hb] backup: pay\\u200broll');
    assert.equal(body.run?.output_tail, 'line one\nsaved \\u2066secret\\u2069 file\\u200d\n');
    assert.deepEqual({ ...body, message: note.message, title: note.title, run: note.run }, note);
  } finally {
    await rec.close();
  }
});

test('healthchecks: the ping body shows them written out', async () => {
  const rec = await startRecorder();
  try {
    await healthchecks(config('healthchecks', { url: `${rec.url}/ping/abc` }), ctx()).deliver(note, null);
    const raw = rec.requests[0]!.raw;
    assert.doesNotMatch(raw, HIDDEN, raw);
    assert.equal(raw, 'backup failed: invoice\\u202etxt.exe\n\nline one\nsaved \\u2066secret\\u2069 file\\u200d\n');
  } finally {
    await rec.close();
  }
});

test('email: subject and body show them written out, lines kept', async () => {
  const log = join(tmp, 'mail.log');
  const fake = fileURLToPath(new URL('../fixtures/fake-sendmail.js', import.meta.url));
  await email(config('email', { to: 'ops@example.net', sendmail: fake }), ctx({ FAKE_SENDMAIL_LOG: log })).deliver(note, null);
  assert.ok(existsSync(log));
  const { stdin } = JSON.parse(readFileSync(log, 'utf8')) as { stdin: string };
  const [head, body] = [stdin.slice(0, stdin.indexOf('\n\n')), stdin.slice(stdin.indexOf('\n\n') + 2)];
  assert.doesNotMatch(body, HIDDEN, body);
  assert.match(body, /^backup failed: invoice\\u202etxt\.exe\n/);
  assert.match(body, /line one\nsaved \\u2066secret\\u2069 file\\u200d\n/);
  const subject = Buffer.concat([...head.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g)].map((m) => Buffer.from(m[1]!, 'base64'))).toString('utf8');
  const plain = /^Subject: (.*)$/m.exec(head)![1]!;
  assert.equal(subject || plain, '[hb] backup: pay\\u200broll');
});
