// The email sink: the message it hands to sendmail (through a recording fake), exit codes and a
// missing binary; then real delivery through the host's MTA (dma) into a local mailbox.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createSink } from '../../lib/adapters/sinks/email.ts';
import { SinkError } from '../../lib/rules/sinks/types.ts';
import type { Notification, SinkContext } from '../../lib/rules/sinks/types.ts';
import type { SinkConfig } from '../../lib/rules/sinks/validate.ts';

const FAKE = fileURLToPath(new URL('../fixtures/fake-sendmail.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'hb-sink-email-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let seq = 0;
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

const note = (over: Partial<Notification> = {}): Notification => ({
  v: 1,
  id: 'n-42',
  type: 'alert',
  job: 'backup',
  host: 'db1',
  status: 'failed',
  problem: true,
  message: 'backup failed: exit 3',
  title: '[hb] backup failed',
  incident: { id: 'inc-7', opened_at: '2026-01-02T03:00:00Z', status: 'failed', reminders: 0 },
  ts: '2026-01-02T03:04:05Z',
  run: { exit_code: 3, started_at: '2026-01-02T03:00:00Z', finished_at: '2026-01-02T03:00:12Z', duration_ms: 12_345, output_tail: 'tar: disk full\n.\n' },
  ...over,
});
const config = (options: Record<string, unknown>, timeoutMs = 5000): SinkConfig => ({
  kind: 'email',
  where: 'notify[0]',
  options,
  timeoutMs,
  retries: 0,
  on: null,
});

/** Sends through the fake sendmail; returns its recorded argv and stdin, or the failure. */
async function viaFake(n: Notification, options: Record<string, unknown> = {}, fakeEnv: NodeJS.ProcessEnv = {}, timeoutMs = 5000) {
  const log = join(tmp, `${++seq}.log`);
  const ctx: SinkContext = { env: { PATH: process.env.PATH, FAKE_SENDMAIL_LOG: log, ...fakeEnv }, now: () => NOW, readFile: () => '' };
  const sink = createSink(config({ to: 'ops@example.net', sendmail: FAKE, ...options }, timeoutMs), ctx);
  const error = await sink.deliver(n, null).then(
    () => null,
    (e: unknown) => e,
  );
  const rec = existsSync(log) ? (JSON.parse(readFileSync(log, 'utf8')) as { argv: string[]; stdin: string }) : null;
  return { sink, error, rec, ...split(rec?.stdin ?? '') };
}

/** Header lines (continuations kept separate) and body of a message. */
function split(message: string): { headerLines: string[]; body: string } {
  const at = message.indexOf('\n\n');
  return { headerLines: message.slice(0, at).split('\n'), body: message.slice(at + 2) };
}
const header = (lines: string[], name: string): string | undefined => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);

/** Decodes a (folded) RFC 2047 B-encoded header value. */
const decodeWords = (value: string): string =>
  Buffer.concat([...value.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g)].map((m) => Buffer.from(m[1]!, 'base64'))).toString('utf8');

describe('email sink (fake sendmail)', () => {
  test('runs `sendmail -t -i` with a complete RFC 5322 message', async () => {
    const { sink, error, rec, headerLines, body } = await viaFake(note(), { to: ['ops@example.net', 'me@example.org'] });
    assert.equal(error, null);
    assert.equal(sink.label, 'email ops@example.net,me@example.org');
    assert.deepEqual(rec!.argv, ['-t', '-i']);
    assert.deepEqual(headerLines, [
      'From: hb@db1',
      'To: ops@example.net, me@example.org',
      'Subject: [hb] backup failed',
      'Date: Fri, 02 Jan 2026 03:04:05 +0000',
      'Message-ID: <hb.n-42@db1>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      'Auto-Submitted: auto-generated',
    ]);
    assert.equal(
      body,
      [
        'backup failed: exit 3',
        '',
        'Job:      backup',
        'Status:   failed',
        'Host:     db1',
        'Incident: inc-7 (opened 2026-01-02T03:00:00Z)',
        'Exit:     3',
        'Started:  2026-01-02T03:00:00Z',
        'Finished: 2026-01-02T03:00:12Z',
        'Duration: 12.3 s',
        'Sent:     2026-01-02T03:04:05Z',
        '',
        'Output (last lines):',
        'tar: disk full',
        '.',
        '',
        '',
      ].join('\n'),
    );
  });

  test('the facts name the outcome of a run whose exit does not say it', async () => {
    const reason = 'finished in 12ms, faster than its min_duration 1h';
    const { body } = await viaFake(
      note({ status: 'suspicious', message: `last run was suspicious: ${reason}`, run: { exit_code: 0, outcome: 'suspicious', reason } }),
      {
        to: ['ops@example.net'],
      },
    );
    assert.ok(body.startsWith(`last run was suspicious: ${reason}\n`), body);
    assert.match(body, /^Exit: {5}0\nOutcome: {2}suspicious\n/m);
  });

  test('uses `from` when given', async () => {
    const { headerLines } = await viaFake(note(), { from: 'cron@example.net' });
    assert.equal(header(headerLines, 'From'), 'cron@example.net');
  });

  test('encodes a non-ASCII subject as RFC 2047 words, folded, never splitting a character', async () => {
    const title = `[hb] sauvegarde échouée — ${'数据库备份失败'.repeat(6)} ✔`;
    const { headerLines } = await viaFake(note({ title }));
    const at = headerLines.findIndex((l) => l.startsWith('Subject: '));
    const folded = [headerLines[at]!.slice('Subject: '.length)];
    for (let i = at + 1; headerLines[i]?.startsWith(' '); i++) folded.push(headerLines[i]!);
    assert.ok(folded.length > 1, 'a long subject is folded');
    assert.ok(folded.every((l) => /^ ?=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/.test(l)));
    assert.ok(
      headerLines.every((l) => l.length <= 78),
      'every header line within 78 characters',
    );
    assert.equal(decodeWords(folded.join('')), title);
    for (const word of folded) assert.doesNotMatch(decodeWords(word), /\uFFFD/);
  });

  test('a title or address cannot inject a header', async () => {
    const { headerLines } = await viaFake(note({ title: '[hb] x\r\nBcc: victim@example.net\nX-Evil: 1', id: 'id\r\nBcc: a@b', host: 'h\nBcc: c@d' }));
    assert.deepEqual(
      headerLines.map((l) => l.split(':')[0]),
      ['From', 'To', 'Subject', 'Date', 'Message-ID', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Auto-Submitted'],
    );
    assert.equal(header(headerLines, 'Subject'), '[hb] x Bcc: victim@example.net X-Evil: 1');
  });

  test('keeps body lines under 998 bytes and CR out of the body', async () => {
    const { body } = await viaFake(note({ run: { exit_code: 1, output_tail: `progress 10%\rprogress 100%\r\n${'ü'.repeat(2000)}\n` } }));
    assert.ok(body.split('\n').every((l) => Buffer.byteLength(l) <= 998));
    assert.ok(!body.includes('\r'));
    assert.match(body, /progress 10%\nprogress 100%\n/);
  });

  test("sendmail's non-zero exit is retryable and quoted", async () => {
    const { error } = await viaFake(note(), {}, { FAKE_SENDMAIL_EXIT: '75', FAKE_SENDMAIL_STDERR: 'warming up\nqueue is full, try later' });
    assert.ok(error instanceof SinkError);
    assert.equal(error.retryable, true);
    assert.equal(error.message, `email ops@example.net: ${FAKE} exited with 75: queue is full, try later`);
  });

  test('a missing sendmail says to install an MTA or set sendmail:', async () => {
    const { error, rec } = await viaFake(note(), { sendmail: join(tmp, 'no-such-sendmail') });
    assert.equal(rec, null);
    assert.ok(error instanceof SinkError);
    assert.equal(error.retryable, true);
    assert.match(error.message, /no-such-sendmail not found: install an MTA that provides sendmail \(e\.g\. Debian's dma\) or set sendmail: to its path$/);
  });

  test('a sendmail that hangs is killed at the timeout', async () => {
    // Long enough for the fake to start and read the message on a loaded machine; the hang is forever.
    const { error, rec } = await viaFake(note(), {}, { FAKE_SENDMAIL_HANG: '1' }, 3000);
    assert.ok(rec, 'the fake got the message before hanging');
    assert.ok(error instanceof SinkError);
    assert.equal(error.retryable, true);
    assert.match(error.message, /timed out after 3000 ms and was killed$/);
  });
});

// The real thing: Debian's dma delivers to /var/mail/<user> at once, with no daemon.
const DMA = '/usr/sbin/dma';
const SENDMAIL = '/usr/sbin/sendmail';
const hasDma = existsSync(SENDMAIL) && existsSync(DMA) && realpathSync(SENDMAIL) === realpathSync(DMA);
const skip = hasDma || process.env.HB_REQUIRE_SYSTEM ? false : `needs dma as ${SENDMAIL} (apt-get install dma); set HB_REQUIRE_SYSTEM to make this a failure`;

describe('email sink (real MTA: dma)', { skip }, () => {
  const user = userInfo().username;
  const mailbox = `/var/mail/${user}`;

  /** Waits for the message with this Message-ID to land in the mailbox; returns it. */
  async function delivered(id: string): Promise<string> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const box = existsSync(mailbox) ? readFileSync(mailbox, 'utf8') : '';
      const at = box.indexOf(`Message-ID: <hb.${id}@`);
      if (at >= 0) {
        const start = box.lastIndexOf('\nFrom ', at) + 1;
        const end = box.indexOf('\nFrom ', at);
        return box.slice(start, end < 0 ? undefined : end);
      }
      if (Date.now() > deadline) assert.fail(`no message ${id} in ${mailbox} after 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('delivers through the default /usr/sbin/sendmail to a local mailbox', async () => {
    assert.ok(hasDma, `dma is not ${SENDMAIL}: install Debian's dma package`);
    const id = randomUUID();
    const title = `[hb] sauvegarde échouée ${id.slice(0, 8)}`;
    const ctx: SinkContext = { env: { PATH: process.env.PATH }, now: () => Date.now(), readFile: () => '' };
    const sink = createSink(config({ to: `${user}@localhost` }), ctx);
    await sink.deliver(note({ id, title }), null);
    const mail = await delivered(id);
    const { headerLines, body } = split(mail);
    assert.equal(header(headerLines, 'To'), `${user}@localhost`);
    assert.equal(header(headerLines, 'Content-Type'), 'text/plain; charset=utf-8');
    const at = headerLines.findIndex((l) => l.startsWith('Subject: '));
    const folded = [headerLines[at]!.slice(9)];
    for (let i = at + 1; headerLines[i]?.startsWith(' '); i++) folded.push(headerLines[i]!);
    assert.equal(decodeWords(folded.join('')), title);
    // -i: the lone "." in the output tail did not end the message early.
    assert.match(body, /Output \(last lines\):\ntar: disk full\n\.\n/);
  });

  test('an injected Bcc never becomes a header, so nobody else gets the mail', async () => {
    assert.ok(hasDma);
    const id = randomUUID();
    const ctx: SinkContext = { env: { PATH: process.env.PATH }, now: () => Date.now(), readFile: () => '' };
    await createSink(config({ to: `${user}@localhost` }), ctx).deliver(note({ id, title: `[hb] x\r\nBcc: nobody-${id}@localhost` }), null);
    const { headerLines } = split(await delivered(id));
    assert.equal(header(headerLines, 'Subject'), `[hb] x Bcc: nobody-${id}@localhost`);
    assert.ok(!headerLines.some((l) => /^bcc:/i.test(l)));
  });
});
