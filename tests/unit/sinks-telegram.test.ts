// The Telegram sink against a fake Bot API on 127.0.0.1: the sendMessage request, HTML escaping,
// the 4096 bound, flood-control waits, and a token that never reaches a message.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createSink } from '../../lib/adapters/sinks/telegram.ts';
import { escapeHtml } from '../../lib/rules/sinks/escape.ts';
import { SinkError } from '../../lib/rules/sinks/types.ts';
import type { Notification, SinkContext } from '../../lib/rules/sinks/types.ts';
import type { SinkConfig } from '../../lib/rules/sinks/validate.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';
import type { Recorder } from '../fixtures/http-recorder.ts';

const TOKEN = '987654:AAH-t0p_s3cret';
const open: Recorder[] = [];
after(() => Promise.all(open.map((r) => r.close())));
const recorder = async (...args: Parameters<typeof startRecorder>) => {
  const rec = await startRecorder(...args);
  open.push(rec);
  return rec;
};
const ctx = (env: NodeJS.ProcessEnv = { HB_TG: TOKEN }, files: Record<string, string> = {}): SinkContext => ({
  env,
  now: () => 0,
  readFile: (path) => {
    if (path in files) return files[path]!;
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  },
});
const config = (url: string, extra: Record<string, unknown> = {}, retries = 1): SinkConfig => ({
  kind: 'telegram',
  where: 'notify[0]',
  options: { chat_id: -100123, api_url: url, token_env: 'HB_TG', ...extra },
  timeoutMs: 1000,
  retries,
  on: null,
});
const net = { backoffMs: 10 };
const path = `/bot${TOKEN}/sendMessage`;

const failed: Notification = {
  v: 1,
  id: 'n-2',
  type: 'alert',
  job: 'backup',
  host: 'db1',
  status: 'failed',
  problem: true,
  message: 'backup failed: exit 2 <script>alert(1)</script> & more',
  title: '[hb] backup failed',
  incident: { id: 'i-2', opened_at: '2024-05-01T10:00:00.000Z', status: 'failed', reminders: 0 },
  ts: '2024-05-01T10:00:00.000Z',
  run: { exit_code: 2, output_tail: 'pg_dump: error: <connection> refused & gave up\n' },
};

async function failure(p: Promise<unknown>): Promise<SinkError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SinkError);
    assert.ok(!err.message.includes(TOKEN) && !err.message.includes('t0p_s3cret'), `token in: ${err.message}`);
    return err;
  }
  assert.fail('expected the delivery to fail');
}

test('sends sendMessage with the chat, HTML parse mode, no previews and an escaped text', async () => {
  const rec = await recorder({ [path]: { body: { ok: true, result: { message_id: 1 } } } });
  const sink = createSink(config(`${rec.url}/`), ctx(), net);
  assert.equal(sink.label, 'telegram -100123');
  await sink.deliver(failed, null);
  assert.equal(rec.requests.length, 1);
  const req = rec.requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.path, path);
  assert.equal(req.headers['content-type'], 'application/json');
  const body = req.body as Record<string, unknown>;
  assert.equal(body.chat_id, -100123);
  assert.equal(body.parse_mode, 'HTML');
  assert.equal(body.disable_web_page_preview, true);
  assert.equal(
    body.text,
    '<b>[hb] backup failed</b>\n' +
      'backup failed: exit 2 &lt;script&gt;alert(1)&lt;/script&gt; &amp; more\n' +
      '<i>db1 · exit 2</i>\n' +
      '<pre>pg_dump: error: &lt;connection&gt; refused &amp; gave up</pre>',
  );
});

test('an outcome the exit does not say joins the facts line, beside the message that gives its reason', async () => {
  const rec = await recorder();
  const sink = createSink(config(rec.url), ctx(), net);
  const reason = 'finished in 12ms, faster than its min_duration 1h';
  await sink.deliver(
    {
      ...failed,
      status: 'suspicious',
      message: `last run 1m ago was suspicious: ${reason}`,
      run: { exit_code: 0, outcome: 'suspicious', reason, output_tail: '' },
    },
    null,
  );
  await sink.deliver({ ...failed, run: { exit_code: 0, outcome: 'ok', output_tail: '' } }, null);
  const texts = rec.requests.map((r) => (r.body as { text: string }).text);
  assert.equal(texts[0], `<b>[hb] backup failed</b>\nlast run 1m ago was suspicious: ${reason}\n<i>db1 · exit 0 · suspicious</i>`);
  assert.match(texts[1]!, /<i>db1 · exit 0<\/i>$/);
});

test('a resolve has no output block', async () => {
  const rec = await recorder();
  await createSink(config(rec.url), ctx(), net).deliver({ ...failed, type: 'resolve', title: '[hb] backup recovered', message: 'ok again' }, null);
  assert.doesNotMatch((rec.requests[0]!.body as { text: string }).text, /<pre>/);
});

test('the text stays within 4096 characters and keeps the end of the output', async () => {
  const rec = await recorder();
  const tail = `${'<&>'.repeat(1400)}\nthe last line 😀`;
  await createSink(config(rec.url), ctx(), net).deliver({ ...failed, message: 'm'.repeat(5000), run: { output_tail: tail } }, null);
  const text = (rec.requests[0]!.body as { text: string }).text;
  assert.ok(text.length <= 4096, `length ${text.length}`);
  assert.ok(text.length > 3500, 'uses the room it has');
  assert.match(text, /^<b>\[hb\] backup failed<\/b>\nm+…\n/);
  assert.match(text, /<pre>…(&lt;|&amp;|&gt;)/);
  assert.ok(text.endsWith('&lt;&amp;&gt;\nthe last line 😀</pre>'));
  assert.doesNotMatch(text.replace(/&(lt|gt|amp);/g, ''), /&/);
});

test('the token can come from a file, trimmed', async () => {
  const rec = await recorder();
  const sink = createSink(config(rec.url, { token_env: undefined, token_file: '/run/tg' }), ctx({}, { '/run/tg': `${TOKEN}\n` }), net);
  await sink.deliver(failed, null);
  assert.equal(rec.requests[0]!.path, path);
});

test('a missing token fails for good, naming the variable, and sends nothing', async () => {
  const rec = await recorder();
  const err = await failure(createSink(config(rec.url), ctx({}), net).deliver(failed, null));
  assert.equal(err.retryable, false);
  assert.equal(err.message, 'telegram -100123: environment variable HB_TG is not set or empty');
  assert.equal(rec.requests.length, 0);
});

test("Telegram's refusal is reported with its description, without the token", async () => {
  const rec = await recorder({ [path]: { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } } });
  const err = await failure(createSink(config(rec.url), ctx(), net).deliver(failed, null));
  assert.equal(err.retryable, false);
  assert.equal(err.status, 400);
  assert.equal(err.message, 'telegram -100123: sendMessage: HTTP 400 (Bad Request: chat not found)');
  assert.equal(rec.requests.length, 1);
});

test('a 401 echoing the URL never shows the token', async () => {
  const rec = await recorder({ [path]: { status: 401, body: `no such bot at ${path}` } });
  const err = await failure(createSink(config(rec.url), ctx(), net).deliver(failed, null));
  assert.match(err.message, /HTTP 401 \(no such bot at \/bot\*\*\*\/sendMessage\)/);
});

test('flood control: retry_after is honoured when short, left for the next check when long', async () => {
  const rec = await recorder({
    [path]: [{ status: 429, body: { ok: false, description: 'Too Many Requests: retry after 0', parameters: { retry_after: 0 } } }, { body: { ok: true } }],
  });
  await createSink(config(rec.url), ctx(), net).deliver(failed, null);
  assert.equal(rec.requests.length, 2);

  const slow = await recorder({
    [path]: { status: 429, body: { ok: false, description: 'Too Many Requests: retry after 60', parameters: { retry_after: 60 } } },
  });
  const err = await failure(createSink(config(slow.url, {}, 3), ctx(), net).deliver(failed, null));
  assert.equal(err.retryable, true);
  assert.equal(err.status, 429);
  assert.match(err.message, /asked to wait 60 s, left for the next check$/);
  assert.equal(slow.requests.length, 1);
});

test('a Bot API that is down or hanging is retryable', async () => {
  const rec = await recorder({ [path]: { hang: true } });
  const err = await failure(createSink({ ...config(rec.url), timeoutMs: 200, retries: 0 }, ctx(), net).deliver(failed, null));
  assert.equal(err.retryable, true);
  assert.match(err.message, /^telegram -100123: sendMessage: no complete answer within 200 ms$/);
});

test('escapeHtml escapes exactly & < >', () => {
  assert.equal(escapeHtml(`<a href="x">&amp;'</a>`), `&lt;a href="x"&gt;&amp;amp;'&lt;/a&gt;`);
});
