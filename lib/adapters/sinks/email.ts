// The `email` sink: hands an RFC 5322 message to the local sendmail interface (`sendmail -t -i`),
// so hb needs no SMTP client, credentials or relay settings of its own: the host's MTA has them.

import { lastLine, runProgram } from './command.ts';
import { SinkError } from '../../rules/sinks/types.ts';
import type { Notification, Sink, SinkContext } from '../../rules/sinks/types.ts';
import type { SinkConfig } from '../../rules/sinks/validate.ts';
import { inert } from '../../rules/visible.ts';

const DEFAULT_SENDMAIL = '/usr/sbin/sendmail';
/** Bytes of UTF-8 per encoded word: 42 bytes make 56 base64 characters, a 68-character word. */
const WORD_BYTES = 42;
/** Characters per body line: 240 characters stay under RFC 5322's 998 bytes even at 4 bytes each. */
const LINE_CHARS = 240;

/** Builds an `email` sink from validated options (`to`, optional `from` and `sendmail`). */
export function createSink(config: SinkConfig, ctx: SinkContext): Sink {
  const to = ([] as string[]).concat(config.options.to as string | string[]);
  const from = config.options.from as string | undefined;
  const sendmail = (config.options.sendmail as string | undefined) ?? DEFAULT_SENDMAIL;
  const label = `email ${to.join(',')}`;
  return {
    kind: 'email',
    label,
    async deliver(n: Notification): Promise<void> {
      const message = composeMessage(n, { to, from: from ?? `hb@${safeHost(n.host)}`, now: ctx.now() });
      // -t: recipients come from To: (so nothing reaches the command line); -i: a lone "." in a
      // job's output is text, not the end of the message.
      const r = await runProgram(sendmail, ['-t', '-i'], { input: message, env: ctx.env, timeoutMs: config.timeoutMs });
      const said = lastLine(r.stderrTail);
      const tail = said ? `: ${said}` : '';
      // All retryable: a missing MTA gets installed, a full queue drains; the alert must survive both.
      if (r.spawnError === 'ENOENT')
        throw new SinkError(`${label}: ${sendmail} not found: install an MTA that provides sendmail (e.g. Debian's dma) or set sendmail: to its path`, true);
      if (r.spawnError) throw new SinkError(`${label}: could not start ${sendmail} (${r.spawnError})`, true);
      if (r.timedOut) throw new SinkError(`${label}: ${sendmail} timed out after ${config.timeoutMs} ms and was killed${tail}`, true);
      if (r.exitCode !== 0)
        throw new SinkError(`${label}: ${sendmail} ${r.exitCode === null ? `killed by ${r.signal}` : `exited with ${r.exitCode}`}${tail}`, true);
    },
  };
}

/** The whole message, headers and body, with LF line ends as a local sendmail expects. */
function composeMessage(n: Notification, o: { to: string[]; from: string; now: number }): string {
  const headers: Array<[string, string]> = [
    ['From', o.from],
    ['To', o.to.join(', ')],
    ['Subject', encodeHeader(n.title)],
    ['Date', new Date(o.now).toUTCString().replace(/GMT$/, '+0000')],
    ['Message-ID', `<hb.${safeToken(n.id)}@${safeHost(n.host)}>`],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Transfer-Encoding', '8bit'],
    // RFC 3834: vacation responders must not answer a machine.
    ['Auto-Submitted', 'auto-generated'],
  ];
  // Every value is cleaned of line breaks, so no title or address can start a header of its own.
  const head = headers.map(([k, v]) => `${k}: ${k === 'Subject' ? v : oneLine(v)}`).join('\n');
  return `${head}\n\n${body(n)}`;
}

/** message and cause line, then the facts a reader needs, then the output tail. */
function body(n: Notification): string {
  const facts: Array<[string, string | undefined]> = [
    ['Job', n.job],
    ['Status', n.status],
    ['Host', n.host],
    ['Incident', n.incident ? `${n.incident.id} (opened ${n.incident.opened_at})` : undefined],
    ['Exit', n.run?.exit_code != null ? String(n.run.exit_code) : n.run?.signal ? `killed by ${n.run.signal}` : undefined],
    // What hb made of the run: an exit of 0 may still have failed (an empty backup).
    ['Outcome', n.run?.outcome],
    ['Started', n.run?.started_at],
    ['Finished', n.run?.finished_at],
    ['Duration', n.run?.duration_ms != null ? `${(n.run.duration_ms / 1000).toFixed(1)} s` : undefined],
    ['Sent', n.ts],
  ];
  // The cause line reads as the message's second line, as under the reason in hb check.
  const lines = [
    n.message,
    ...(n.cause ? [n.cause] : []),
    '',
    ...facts.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${`${k}:`.padEnd(10)}${v}`),
  ];
  if (n.run?.output_tail) lines.push('', 'Output (last lines):', n.run.output_tail);
  // A job's text is read in a mail client: bidi and zero-width characters are written out.
  return `${wrap(inert(lines.join('\n').replace(/\r\n?/g, '\n')))}\n`;
}

/** Normalises line ends and breaks over-long lines (a job's output may have none). */
function wrap(text: string): string {
  const out: string[] = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const chars = [...line];
    if (chars.length === 0) out.push('');
    for (let i = 0; i < chars.length; i += LINE_CHARS) out.push(chars.slice(i, i + LINE_CHARS).join(''));
  }
  return out.join('\n');
}

/** Plain ASCII as is; anything else as RFC 2047 `=?UTF-8?B?…?=` words, never splitting a character. */
function encodeHeader(value: string): string {
  const text = inert(oneLine(value));
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > WORD_BYTES) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  // Folded: each word on its own continuation line, which decoders join without a space.
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join('\n ');
}

/** A header value on one line: CR, LF and other controls become spaces. */
function oneLine(value: string): string {
  return value.replace(/[\x00-\x08\x0a-\x1f\x7f]+/g, ' ').trim();
}

function safeToken(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, '') || 'x';
}

function safeHost(host: string): string {
  return host.replace(/[^A-Za-z0-9.-]/g, '') || 'localhost';
}
