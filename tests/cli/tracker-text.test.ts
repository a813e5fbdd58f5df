// What a job says reaches GitHub and Gitea issues as text, never as a ping or a hidden reordering:
// `@user` and `@org/team` from a job's message or output create no mention, e-mail addresses stay
// as written, and bidi or zero-width characters are written out. Checked on the exact bodies a
// real HTTP server on 127.0.0.1 receives from the built CLI. The output comes from a command run
// as an unprivileged user under root's hb wrap: whoever controls a job's output controls this text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, hbRun, sandbox, throwAwayUser, type Run } from '../helpers.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';
import { fakeForge } from '../fixtures/fake-forge.ts';

/**
 * The mentions a forge would act on in `markdown`: `@name` or `@org/team` after a non-word
 * character (GitHub's rule; Gitea's, which wants a space before, is stricter), outside fenced
 * code blocks and code spans, where neither forge looks for mentions.
 */
function liveMentions(markdown: string): string[] {
  const prose = markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1\s*$/gm, '').replace(/(`+)[^`]*?\1/g, '');
  return [...prose.matchAll(/(?<![A-Za-z0-9_])@[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_.-]+)?/g)].map((m) => m[0]);
}

const HIDDEN = /[\p{Cf}\u115f\u1160\u3164\uffa0]/u;
const FORGES = [
  { kind: 'github', user: 'hbtext-gh', prefix: '/repos/org/ops', sink: (url: string) => `github: {repo: org/ops, token_env: T, api_url: ${url}, timeout: 2s}` },
  {
    kind: 'gitea',
    user: 'hbtext-gt',
    prefix: '/api/v1/repos/org/ops',
    sink: (url: string) => `gitea: {url: ${url}, repo: org/ops, token_env: T, timeout: 2s}`,
  },
];

for (const f of FORGES) {
  test(`${f.kind}: a job printing @user and @org/team opens an issue with no live mention; bidi and zero-width characters are written out`, async (t) => {
    const attacker = throwAwayUser(t, f.user);
    if (!attacker) return;
    const forge = fakeForge(f.prefix);
    const rec = await startRecorder({}, forge.api);
    const s = sandbox();
    const config = join(s.root, 'hb.yaml');
    writeFileSync(config, `notify:\n  - ${f.sink(rec.url)}\n`);
    Object.assign(s.env, { HB_CONFIG: config, T: 'tok3n' });
    const runs: Run[] = [];
    try {
      const message = 'db down, ping @alice and @org/oncall-team (cc ops@example.com) x@y';
      runs.push(hb(['tick', 'said', '--every', '1h', '--status', 'error', '--message', message], { env: s.env }));
      const script = `printf '%s\\n' 'step 1 ok' '@bob please look' 'owner: @org/dbas' 'file invoice\u202etxt.exe\u200b'; exit 4`;
      runs.push(hb(['wrap', '--job', 'printed', '--every', '1h', '--', 'runuser', '-u', attacker, '--', 'sh', '-c', script], { env: s.env }));
      const check = await hbRun(['check'], { env: s.env });
      runs.push(check);
      assert.equal(check.code, 1, check.stderr);

      const created = rec.requests.filter((r) => r.method === 'POST' && r.path === `${f.prefix}/issues`).map((r) => r.body as { title: string; body: string });
      assert.equal(created.length, 2, JSON.stringify(rec.requests.map((r) => `${r.method} ${r.path}`)));
      for (const issue of created) {
        assert.deepEqual(liveMentions(issue.title), [], `a mention in the title ${issue.title}`);
        assert.deepEqual(liveMentions(issue.body), [], `a live mention in:\n${issue.body}`);
        assert.doesNotMatch(issue.body, HIDDEN, `a raw bidi or zero-width character in:\n${issue.body}`);
      }
      const said = created.find((i) => i.title.includes('said'))!.body;
      // Still readable: the names are there, in code, and an address is left as written.
      assert.ok(said.includes('`@alice`') && said.includes('`@org/oncall-team`'), said);
      assert.ok(said.includes('ops@example.com') && said.includes('x@y'), said);
      const printed = created.find((i) => i.title.includes('printed'))!.body;
      assert.ok(printed.includes('@bob please look') && printed.includes('owner: @org/dbas'), printed);
      assert.ok(printed.includes('file invoice\\u202etxt.exe\\u200b'), printed);

      for (const job of ['said', 'printed']) runs.push(hb(['tick', job, '--every', '1h'], { env: s.env }));
      const recovered = await hbRun(['check'], { env: s.env });
      runs.push(recovered);
      assert.equal(recovered.code, 0, recovered.stderr);
      const commented = rec.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments')).map((r) => (r.body as { body: string }).body);
      assert.equal(commented.length, 2);
      for (const body of commented) assert.deepEqual(liveMentions(body), [], body);
      for (const r of runs) assert.equal(r.stderr, '', r.stderr);
    } finally {
      await rec.close();
      s.cleanup();
    }
  });
}
