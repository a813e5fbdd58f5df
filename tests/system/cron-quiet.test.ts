// `hb wrap --quiet` under the real Debian cron daemon, which mails a job's output to MAILTO
// through dma (Debian's DragonFly Mail Agent, delivering to /var/mail/USER): a run that succeeds
// mails nothing, a run that fails mails once, with its output and hb's line.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HB, readJson, requireTool, sandbox, throwAwayUser, waitFor, type Sandbox } from '../helpers.ts';
import { ensureCron, placeCronFile, type CronDaemon } from '../cron-daemon.ts';

// No dot in the name: cron ignores /etc/cron.d files whose names hold one.
const CRON_FILE = `/etc/cron.d/hb-systest-quiet-${process.pid}`;
// The runs fire at cron's next wake-up (or the one after, for a file read late in a minute); the
// closing line one wake-up later still.
const CRON_WAIT_MS = 200_000;

let box: Sandbox | null = null;
let cron: CronDaemon | null = null;
let mailbox: string | null = null;
after(async () => {
  rmSync(CRON_FILE, { force: true });
  if (mailbox) rmSync(mailbox, { force: true });
  await cron?.stop();
  box?.cleanup();
});

const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/** The messages of an mbox file, each from its "From " line. */
const messages = (mbox: string): string[] => (mbox === '' ? [] : mbox.split(/^(?=From )/m));

test('through cron and dma, a quiet wrap that succeeds mails nothing; one that fails mails its output and hb’s line, once', { timeout: 240_000 }, async (t) => {
  if (!requireTool(t, 'cron') || !requireTool(t, 'dma')) return;
  const user = throwAwayUser(t, `hbquiet${process.pid % 100_000}`);
  if (!user) return;
  mailbox = `/var/mail/${user}`;
  rmSync(mailbox, { force: true });
  const s = (box = sandbox());
  chmodSync(s.root, 0o755);
  const hb = `HB_STATE_DIR=${s.state} ${process.execPath} ${HB} wrap --quiet --every 1m`;
  // Each run fires once: the guard prints nothing, so later minutes mail nothing either. The last
  // line mails a closing message once both runs are recorded, a minute after them at the
  // earliest: a mail the success had caused would be in the mailbox before it.
  const once = (name: string, command: string) => `[ -e ${s.root}/${name}.fired ] || { touch ${s.root}/${name}.fired; ${command}; }`;
  const lines = [
    `MAILTO=${user}`,
    `* * * * * root ${once('q1', `${hb} --job q1 -- sh -c 'echo noise'`)}`,
    `* * * * * root ${once('q2', `${hb} --job q2 -- sh -c 'echo noise before the failure; echo "db unreachable" >&2; exit 3'`)}`,
    // Its output, closing-42, differs from its command, which cron puts in every subject.
    `* * * * * root [ -e ${s.state}/q1.last ] && [ -e ${s.state}/q2.last ] && { ${once('closing', 'echo closing-$((6*7))')}; }`,
  ];
  await placeCronFile(CRON_FILE, `${lines.join('\n')}\n`);
  cron = await ensureCron();

  await waitFor(() => read(mailbox!).includes('\nclosing-42\n'), 'the closing mail', CRON_WAIT_MS).catch((e) =>
    assert.fail(
      `${e}\nmailbox:\n${read(mailbox!)}\nruns: q1 ${existsSync(join(s.state, 'q1.last'))}, q2 ${existsSync(join(s.state, 'q2.last'))}\n${cron?.stderr() ?? ''}`,
    ),
  );
  const q1 = readJson(join(s.state, 'q1.last'));
  assert.deepEqual([q1.outcome, q1.exit_code, q1.output_tail], ['ok', 0, 'noise\n'], 'q1 ran and succeeded, its tail kept');
  assert.equal(readJson(join(s.state, 'q2.last')).outcome, 'failed');

  const mails = messages(read(mailbox));
  assert.equal(mails.length, 2, `one mail for the failure, one closing:\n${mails.join('\n----\n')}`);
  const failure = mails.find((m) => m.includes('db unreachable'));
  assert.ok(failure, `a mail holds the failed run's output:\n${mails.join('\n----\n')}`);
  const body = failure.slice(failure.indexOf('\n\n') + 2);
  assert.equal(body, 'noise before the failure\ndb unreachable\nhb: q2: failed: exit code 3\n\n');
  assert.ok(!mails.some((m) => m.includes('--job q1')), 'no mail from the run that succeeded');
});
