// The GitHub and Gitea sinks against a small stateful fake of their issue APIs on 127.0.0.1:
// the exact requests of an incident's life, memo-less reminders and recoveries, no duplicate
// issue or comment after a timed-out POST, messages, and Markdown that renders output verbatim.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createSink as github } from '../../lib/adapters/sinks/github.ts';
import { createSink as gitea } from '../../lib/adapters/sinks/gitea.ts';
import { codeBlock, escapeMarkdown } from '../../lib/rules/sinks/escape.ts';
import { SinkError } from '../../lib/rules/sinks/types.ts';
import type { Notification, NotificationType, Sink, SinkContext, SinkMemo } from '../../lib/rules/sinks/types.ts';
import type { SinkConfig } from '../../lib/rules/sinks/validate.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';
import type { Answer, Recorded, Recorder } from '../fixtures/http-recorder.ts';

const TOKEN = 'ghp_s3cretTOKEN0123';
const open: Recorder[] = [];
after(() => Promise.all(open.map((r) => r.close())));
const ctx = (env: NodeJS.ProcessEnv = { HB_TOKEN: TOKEN }): SinkContext => ({ env, now: () => 0, readFile: () => assert.fail('no file') });

type Item = { number: number; title: string; body: string; state: string; html_url: string; labels?: unknown; pull_request?: unknown };

/** A fake issue API under `prefix`: issues, comments, labels; `hangCreates` makes the next creates hang after storing. */
async function fakeForge(prefix: string) {
  const issues: Item[] = [];
  const comments = new Map<number, Array<{ id: number; body: string }>>();
  const state = { hangCreates: 0, hangComments: 0 };
  const api = (req: Recorded): Answer => {
    const rest = req.path.startsWith(prefix) ? req.path.slice(prefix.length) : '';
    const body = req.body as Record<string, unknown>;
    if (rest === '/issues' && req.method === 'GET') return { body: issues.filter((i) => req.query.state === 'all' || i.state === req.query.state) };
    if (rest === '/issues' && req.method === 'POST') {
      const number = issues.filter((i) => !i.pull_request).length + 1;
      const item: Item = {
        number,
        title: String(body.title),
        body: String(body.body),
        state: 'open',
        html_url: `https://forge.test/org/ops/issues/${number}`,
        labels: body.labels,
      };
      issues.push(item);
      if (state.hangCreates-- > 0) return { hang: true };
      return { status: 201, body: item };
    }
    if (rest === '/labels' && req.method === 'GET')
      return {
        body: [
          { id: 7, name: 'ops' },
          { id: 9, name: 'hb' },
        ],
      };
    const onComments = /^\/issues\/(\d+)\/comments$/.exec(rest);
    if (onComments) {
      const list = comments.get(Number(onComments[1])) ?? [];
      comments.set(Number(onComments[1]), list);
      if (req.method === 'GET') return { body: list };
      list.push({ id: 100 + list.length, body: String(body.body) });
      if (state.hangComments-- > 0) return { hang: true };
      return { status: 201, body: list.at(-1) };
    }
    const onIssue = /^\/issues\/(\d+)$/.exec(rest);
    const item = onIssue && issues.find((i) => i.number === Number(onIssue[1]));
    if (item && req.method === 'PATCH') {
      item.state = String(body.state);
      return { body: item };
    }
    return { status: 404, body: { message: 'Not Found' } };
  };
  const rec = await startRecorder({}, api);
  open.push(rec);
  const calls = () => rec.requests.map((r) => `${r.method} ${r.path.slice(prefix.length) || r.path}`);
  return { rec, issues, comments, state, calls };
}

const FORGES = [
  {
    kind: 'github',
    prefix: '/repos/org/ops',
    make: (url: string, c: Partial<SinkConfig> = {}, env?: NodeJS.ProcessEnv): Sink =>
      github(
        {
          kind: 'github',
          where: 'notify[0]',
          options: { repo: 'org/ops', api_url: url, labels: ['ops', 'hb'], token_env: 'HB_TOKEN' },
          timeoutMs: 1000,
          retries: 1,
          on: null,
          ...c,
        },
        ctx(env),
        { backoffMs: 10 },
      ),
    auth: `Bearer ${TOKEN}`,
    labels: ['ops', 'hb'],
    lookups: [] as string[],
  },
  {
    kind: 'gitea',
    prefix: '/api/v1/repos/org/ops',
    make: (url: string, c: Partial<SinkConfig> = {}, env?: NodeJS.ProcessEnv): Sink =>
      gitea(
        {
          kind: 'gitea',
          where: 'notify[0]',
          options: { url, repo: 'org/ops', labels: ['ops', 'missing'], token_env: 'HB_TOKEN' },
          timeoutMs: 1000,
          retries: 1,
          on: null,
          ...c,
        },
        ctx(env),
        { backoffMs: 10 },
      ),
    auth: `token ${TOKEN}`,
    labels: [7],
    lookups: ['GET /labels'],
  },
];

const OPENED = '2024-05-01T10:00:00.000Z';
function note(type: NotificationType, extra: Partial<Notification> = {}): Notification {
  const incident = type === 'message' ? null : { id: 'inc-42', opened_at: OPENED, status: 'stale' as const, reminders: type === 'remind' ? 1 : 0 };
  return {
    v: 1,
    id: `n-${type}`,
    type,
    job: 'backup',
    host: 'db1',
    status: type === 'resolve' ? 'ok' : 'stale',
    problem: type !== 'resolve',
    message: type === 'resolve' ? 'backup ran at 12:00, on time again' : 'backup: last run 3h ago, expected every 1h',
    title: type === 'resolve' ? '[hb] backup recovered' : '[hb] backup stale',
    incident,
    ts: '2024-05-01T11:00:00.000Z',
    ...extra,
  };
}

async function failure(p: Promise<unknown>): Promise<SinkError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SinkError, String(err));
    assert.ok(!err.message.includes(TOKEN), `token in: ${err.message}`);
    return err;
  }
  assert.fail('expected the delivery to fail');
}

for (const f of FORGES) {
  describe(`${f.kind} sink`, () => {
    test('alert opens the issue, remind comments, resolve comments and closes: exact requests', async () => {
      const fake = await fakeForge(f.prefix);
      const sink = f.make(fake.rec.url);
      assert.equal(sink.kind, f.kind);
      const memo = (await sink.deliver(note('alert'), null)) as SinkMemo;
      assert.deepEqual(memo, { issue: 1, url: 'https://forge.test/org/ops/issues/1' });
      assert.deepEqual(await sink.deliver(note('remind'), memo), memo);
      assert.deepEqual(await sink.deliver(note('resolve'), memo), memo);
      assert.deepEqual(fake.calls(), [
        'GET /issues',
        ...f.lookups,
        'POST /issues',
        'GET /issues/1/comments',
        'POST /issues/1/comments',
        'GET /issues/1/comments',
        'POST /issues/1/comments',
        'PATCH /issues/1',
      ]);
      const [list, ...rest] = fake.rec.requests;
      assert.equal(list!.query.state, 'all');
      assert.equal(list!.query.since, '2024-04-30T10:00:00.000Z');
      if (f.kind === 'gitea') assert.equal(list!.query.type, 'issues');
      for (const r of fake.rec.requests) assert.equal(r.headers.authorization, f.auth);
      if (f.kind === 'github') {
        assert.equal(list!.headers.accept, 'application/vnd.github+json');
        assert.equal(list!.headers['x-github-api-version'], '2022-11-28');
      }
      const create = rest.find((r) => r.method === 'POST' && r.path.endsWith('/issues'))!.body as Record<string, unknown>;
      assert.equal(create.title, '[hb] backup stale');
      assert.deepEqual(create.labels, f.labels);
      assert.match(String(create.body), /<!-- hb:incident=inc-42 -->/);
      assert.match(String(create.body), /\| host \| db1 \|/);
      const [remind, recovered] = [...fake.comments.get(1)!].map((c) => c.body);
      assert.match(remind!, /^\*\*Still stale\*\* at 2024-05-01T11:00:00\.000Z \(reminder 1\): backup: last run 3h ago/);
      assert.match(recovered!, /^\*\*Recovered\*\* at .*on time again\n\n<!-- hb:notification=n-resolve -->$/);
      assert.deepEqual(fake.rec.requests.at(-1)!.body, { state: 'closed' });
      assert.equal(fake.issues[0]!.state, 'closed');
    });

    test('an escalation opens its own sink’s issue under its title, or comments on the one a sink on the same repository opened; a late notice joins the message thread', async () => {
      const fake = await fakeForge(f.prefix);
      const escalate = note('escalate', {
        title: '[hb] backup stale for 30m: escalated',
        incident: { id: 'inc-42', opened_at: OPENED, status: 'stale', reminders: 0, escalated: 1 },
        escalation: { step: 1, after_s: 1800 },
      });
      const memo = (await f.make(fake.rec.url).deliver(escalate, null)) as SinkMemo;
      assert.deepEqual(memo, { issue: 1, url: 'https://forge.test/org/ops/issues/1' });
      assert.deepEqual(fake.calls(), ['GET /issues', ...f.lookups, 'POST /issues'], 'the issue says it all: no comment');
      assert.equal(fake.issues[0]!.title, '[hb] backup stale for 30m: escalated');
      assert.doesNotMatch(fake.issues[0]!.body, /not delivered/);

      // The first-line sink on the same repository opened the incident's issue: the escalation comments on it.
      const shared = await fakeForge(f.prefix);
      const first = (await f.make(shared.rec.url).deliver(note('alert'), null)) as SinkMemo;
      const second = f.make(shared.rec.url, { where: 'escalate[0].notify[0]' });
      assert.deepEqual(await second.deliver(escalate, null), first);
      assert.equal(shared.issues.length, 1);
      assert.match(shared.comments.get(1)![0]!.body, /^\*\*Escalated\*\* at 2024-05-01T11:00:00\.000Z \(step 1\): backup: last run 3h ago/);

      const late = await fakeForge(f.prefix);
      const notice = note('late', {
        incident: null,
        status: 'late',
        problem: false,
        title: '[hb] backup late',
        message: 'backup is late: due 10:00 UTC, stale at 10:30 UTC unless it runs',
      });
      assert.equal(await f.make(late.rec.url).deliver(notice, null), undefined);
      assert.equal(late.issues[0]!.title, '[hb] backup message');
      assert.match(late.issues[0]!.body, /^\*\*Late\*\* at 2024-05-01T11:00:00\.000Z: backup is late: due 10:00 UTC/);
    });

    test('a resolve without memo and without issue opens one, comments and closes it', async () => {
      const fake = await fakeForge(f.prefix);
      const memo = await f.make(fake.rec.url).deliver(note('resolve'), null);
      assert.deepEqual(memo, { issue: 1, url: 'https://forge.test/org/ops/issues/1' });
      assert.deepEqual(fake.calls(), ['GET /issues', ...f.lookups, 'POST /issues', 'GET /issues/1/comments', 'POST /issues/1/comments', 'PATCH /issues/1']);
      assert.equal(fake.issues[0]!.title, '[hb] backup stale');
      assert.match(fake.issues[0]!.body, /alert of this incident was not delivered; hb opened this issue on its recovery/);
      assert.equal(fake.issues[0]!.state, 'closed');
    });

    test('a remind without memo finds the incident issue by its marker, skipping pull requests', async () => {
      const fake = await fakeForge(f.prefix);
      fake.issues.push({
        number: 90,
        title: '[hb] backup stale',
        body: 'a PR quoting <!-- hb:incident=inc-42 -->',
        state: 'open',
        html_url: 'x',
        pull_request: {},
      });
      fake.issues.push({ number: 3, title: '[hb] backup stale', body: 'older <!-- hb:incident=inc-41 -->', state: 'closed', html_url: 'y' });
      fake.issues.push({ number: 4, title: 'renamed by a person', body: 'x\n<!-- hb:incident=inc-42 -->', state: 'open', html_url: 'https://forge.test/4' });
      const memo = await f.make(fake.rec.url).deliver(note('remind'), null);
      assert.deepEqual(memo, { issue: 4, url: 'https://forge.test/4' });
      assert.deepEqual(fake.calls(), ['GET /issues', 'GET /issues/4/comments', 'POST /issues/4/comments']);
    });

    test('a create that timed out is found, not repeated, on the retry within the delivery', async () => {
      const fake = await fakeForge(f.prefix);
      fake.state.hangCreates = 1;
      const memo = await f.make(fake.rec.url, { timeoutMs: 200, retries: 1 }).deliver(note('alert'), null);
      assert.deepEqual(memo, { issue: 1, url: 'https://forge.test/org/ops/issues/1' });
      assert.equal(fake.issues.length, 1);
      assert.deepEqual(fake.calls(), ['GET /issues', ...f.lookups, 'POST /issues', 'GET /issues']);
    });

    test('a create that timed out is found by the next check, not repeated', async () => {
      const fake = await fakeForge(f.prefix);
      fake.state.hangCreates = 1;
      const err = await failure(f.make(fake.rec.url, { timeoutMs: 200, retries: 0 }).deliver(note('alert'), null));
      assert.equal(err.retryable, true);
      assert.match(err.message, new RegExp(`^${f.kind} .*: create issue: no complete answer within 200 ms$`));
      const memo = await f.make(fake.rec.url).deliver(note('alert'), null);
      assert.deepEqual(memo, { issue: 1, url: 'https://forge.test/org/ops/issues/1' });
      assert.equal(fake.issues.length, 1);
      assert.equal(fake.calls().filter((c) => c === 'POST /issues').length, 1);
    });

    test('a comment that timed out is not posted twice', async () => {
      const fake = await fakeForge(f.prefix);
      const sink = f.make(fake.rec.url, { timeoutMs: 200, retries: 1 });
      const memo = (await sink.deliver(note('alert'), null)) as SinkMemo;
      fake.state.hangComments = 1;
      await sink.deliver(note('remind'), memo);
      await sink.deliver(note('remind'), memo); // the outbox delivering it again
      assert.equal(fake.comments.get(1)!.length, 1);
    });

    test('run pings are ignored and keep the memo', async () => {
      const fake = await fakeForge(f.prefix);
      const memo = { issue: 5, url: 'u' };
      assert.equal(await f.make(fake.rec.url).deliver(note('run_start'), memo), memo);
      assert.equal(await f.make(fake.rec.url).deliver(note('run_end'), null), undefined);
      assert.equal(fake.rec.requests.length, 0);
    });

    test("messages go to the job's message issue, opened once; with a memo, to the incident's issue", async () => {
      const fake = await fakeForge(f.prefix);
      const sink = f.make(fake.rec.url);
      assert.equal(await sink.deliver(note('message', { id: 'm-1', message: 'disk at 91%' }), null), undefined);
      await sink.deliver(note('message', { id: 'm-2', message: 'disk at 95%' }), null);
      assert.equal(fake.issues.length, 1);
      assert.equal(fake.issues[0]!.title, '[hb] backup message');
      assert.match(fake.issues[0]!.body, /^\*\*Message\*\* at .*: disk at 91%/);
      assert.match(fake.comments.get(1)![0]!.body, /disk at 95%/);
      assert.equal(fake.rec.requests[0]!.query.state, 'open');
      await sink.deliver(note('message', { id: 'm-3', message: 'during the incident' }), { issue: 1, url: 'u' });
      assert.equal(fake.comments.get(1)!.length, 2);
    });

    test('a message whose thread create timed out is neither opened nor posted twice', async () => {
      const fake = await fakeForge(f.prefix);
      fake.state.hangCreates = 1;
      await f.make(fake.rec.url, { timeoutMs: 200, retries: 1 }).deliver(note('message', { id: 'm-1', message: 'disk at 91%' }), null);
      assert.equal(fake.issues.length, 1);
      assert.equal(fake.comments.get(1), undefined);
    });

    test('a refused token fails for good and a missing one sends nothing; neither shows it', async () => {
      const rec = await startRecorder({}, { status: 401, body: { message: `Bad credentials ${TOKEN}` } });
      open.push(rec);
      const err = await failure(f.make(rec.url).deliver(note('alert'), null));
      assert.equal(err.retryable, false);
      assert.equal(err.status, 401);
      assert.match(err.message, /list issues: HTTP 401 \(Bad credentials \*\*\*\)$/);
      assert.equal(rec.requests.length, 1);
      const missing = await failure(f.make(rec.url, {}, {}).deliver(note('alert'), null));
      assert.match(missing.message, /environment variable HB_TOKEN is not set or empty$/);
      assert.equal(rec.requests.length, 1);
    });

    test('a lookup answering garbage is a non-retryable error', async () => {
      const rec = await startRecorder({}, { body: '<html>login</html>' });
      open.push(rec);
      const err = await failure(f.make(rec.url).deliver(note('alert'), null));
      assert.equal(err.retryable, false);
      assert.match(err.message, /list issues: HTTP 200 with a body that is not JSON/);
    });
  });
}

describe('issue bodies', () => {
  test('output is fenced longer than its backtick runs; the message cannot inject markup', async () => {
    const fake = await fakeForge('/repos/org/ops');
    const tail = 'step 1\n```\nnot the end of the block\n````\n';
    await FORGES[0]!
      .make(fake.rec.url)
      .deliver(
        note('alert', { message: 'failed <script>x</script> [link](http://e) | # h', run: { exit_code: 3, duration_ms: 1234, output_tail: tail } }),
        null,
      );
    const body = fake.issues[0]!.body;
    assert.ok(body.startsWith('failed \\<script\\>x\\</script\\> \\[link\\](http://e) \\| \\# h\n'));
    assert.ok(body.includes('\n`````\nstep 1\n```\nnot the end of the block\n````\n`````\n'));
    assert.match(body, /\| exit code \| 3 \|\n/);
    assert.match(body, /\| duration \| 1\.2 s \|/);
    assert.doesNotMatch(body, /\| outcome \|/, 'no outcome row without an outcome');
  });

  test('the facts table names the outcome of a run whose exit code does not say it', async () => {
    const fake = await fakeForge('/repos/org/ops');
    const reason = "backup.sql.gz is 20 B; last run's was 2.1 GB";
    await FORGES[0]!
      .make(fake.rec.url)
      .deliver(note('alert', { message: `last run failed: ${reason}`, run: { exit_code: 0, outcome: 'failed', reason } }), null);
    const body = fake.issues[0]!.body;
    assert.ok(body.startsWith(`last run failed: backup.sql.gz is 20 B; last run's was 2.1 GB\n`), body);
    assert.match(body, /\| exit code \| 0 \|\n\| outcome \| failed \|\n/);
  });

  test('escapeMarkdown neutralises block starts; codeBlock uses at least three backticks', () => {
    assert.equal(escapeMarkdown('- a\n1. b\n> c\n# d\n---\n1.2 s\n-5 C'), '\\- a\n1\\. b\n\\> c\n\\# d\n\\---\n1.2 s\n-5 C');
    assert.equal(codeBlock('plain\n'), '```\nplain\n```');
  });
});
