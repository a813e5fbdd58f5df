// What hb check finds about a stale job, on every surface, through the built CLI: a directory
// that is not a mount point (a precondition of `needs:`) is the root cause, a listening port is
// ruled out. The text's second line, the JSON, a real webhook's alert, hb status JOB, Nagios and
// the report all say it. Time moves with faketime; other evidence depends on the host, so only
// what the needs give is asserted exactly, and the job has a name no other test's heartbeats use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { hb, hbRun, requireTool, sandbox } from '../helpers.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';

const T = Date.parse('2026-11-20T00:00:00Z');
const LATER = T + 2 * 3_600_000 + 60_000;
const at = (ms: number) => ['faketime', '-f', `@${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}`];

interface Item {
  kind: string;
  weight: string;
  text: string;
}

const JOB = 'surfaces-offsite-copy';
const preconditions = (items: Item[]) => items.filter((e) => e.kind === 'precondition');

test('a stale job whose mount is missing: the cause on the check text, its JSON, the alert, hb status, Nagios and the report', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const server = createServer((c) => c.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const s = sandbox();
  t.after(async () => {
    server.close();
    await rec.close();
    s.cleanup();
  });
  const port = (server.address() as { port: number }).port;
  const disk = join(s.root, 'backup-disk');
  mkdirSync(disk);
  const config = join(s.root, 'hb.yaml');
  writeFileSync(
    config,
    `notify:
  - webhook: {url: ${rec.url}/hook, timeout: 2s, retries: 0}
jobs:
  ${JOB}:
    every: 1h
    needs: [mount:${disk}, tcp:127.0.0.1:${port}]
`,
  );
  s.env.HB_CONFIG = config;
  assert.equal(hb(['tick', JOB], { env: s.env, prefix: at(T) }).code, 0);
  const root = `because ${disk} is not mounted (mount ${disk}; needs mount:${disk})`;
  const ruledOut = `127.0.0.1:${port} accepts connections`;

  // The check text: the reason, then the root cause under it; what was ruled out only with --verbose.
  const text = hb(['check', '--no-notify'], { env: s.env, prefix: at(LATER) });
  assert.equal(text.code, 1, text.stderr);
  const lines = text.stdout.split('\n');
  const at0 = lines.findIndex((l) => l.startsWith(`${JOB}  STALE  `));
  assert.ok(at0 >= 0, text.stdout);
  assert.ok(lines[at0 + 1]!.startsWith(`${' '.repeat(JOB.length + 'STALE'.length + 4)}${root}`), text.stdout);
  assert.ok(!text.stdout.includes('ruled out'), text.stdout);
  const verbose = hb(['check', '--no-notify', '--verbose'], { env: s.env, prefix: at(LATER) });
  assert.match(verbose.stdout, new RegExp(`ruled out: [^\\n]*${ruledOut.replace(/[.]/g, '\\.')}`));

  // The JSON: evidence ranked (the cause before the ruled-out port) and the root cause.
  const json = hb(['check', '--json', '--no-notify'], { env: s.env, prefix: at(LATER) });
  const backup = (JSON.parse(json.stdout) as { jobs: Array<{ job: string; evidence: Item[]; root_cause: unknown }> }).jobs.find((j) => j.job === JOB)!;
  assert.deepEqual(backup.root_cause, { job: null, need: `mount:${disk}`, text: `${disk} is not mounted (mount ${disk})` });
  const needs = backup.evidence.filter((e) => e.kind === 'precondition').map((e) => [e.weight, e.text]);
  assert.deepEqual(needs, [
    ['cause', `${disk} is not mounted (mount ${disk})`],
    ['clear', ruledOut],
  ]);

  // The alert a real webhook receives carries the evidence, the cause line and the root cause.
  const acted = await hbRun(['check'], { env: s.env, prefix: at(LATER) });
  assert.equal(acted.code, 1, acted.stderr);
  const alert = rec.requests
    .map((q) => q.body as { type: string; job: string; evidence: Item[]; cause: string; root_cause: unknown })
    .find((n) => n.type === 'alert');
  assert.ok(alert, JSON.stringify(rec.requests.map((q) => q.body)));
  assert.equal(alert.job, JOB);
  // Host evidence may change between two checks (another test starts a cron): the needs' items are compared.
  assert.deepEqual(preconditions(alert.evidence), preconditions(backup.evidence));
  assert.ok(alert.evidence.length <= 10);
  assert.ok(alert.cause.startsWith(root), alert.cause);
  assert.ok(!alert.cause.includes('ruled out'), alert.cause);
  assert.deepEqual(alert.root_cause, backup.root_cause);

  // hb status JOB: every item on its own line with its weight.
  const status = hb(['status', JOB], { env: s.env, prefix: at(LATER) });
  assert.ok(status.stdout.includes(`\n  root   ${root}\n`), status.stdout);
  assert.ok(status.stdout.includes(`\n  cause  ${disk} is not mounted (mount ${disk})\n`), status.stdout);
  assert.ok(status.stdout.includes(`\n  clear  ${ruledOut}\n`), status.stdout);

  // Nagios: the cause line under the job's line in the long output.
  const nagios = hb(['check', '--format', 'nagios', '--no-notify'], { env: s.env, prefix: at(LATER) });
  const long = nagios.stdout.split('\n');
  const critical = long.findIndex((l) => l.startsWith(`CRITICAL ${JOB} stale`));
  assert.ok(long[critical + 1]!.startsWith(`  ${root}`), nagios.stdout);

  // The report: the blocker's cause line, and the evidence in its JSON.
  const report = hb(['report', '--format', 'json'], { env: s.env, prefix: at(LATER) });
  const r = JSON.parse(report.stdout) as {
    blockers: Array<{ job: string; reasons: Array<{ cause?: string }> }>;
    jobs: Array<{ job: string; evidence: Item[] }>;
  };
  assert.ok(r.blockers.find((b) => b.job === JOB)!.reasons[0]!.cause!.startsWith(root));
  assert.deepEqual(preconditions(r.jobs.find((j) => j.job === JOB)!.evidence), preconditions(backup.evidence));
  const md = hb(['report'], { env: s.env, prefix: at(LATER) });
  assert.ok(md.stdout.includes(`|  |  | ↳ _${root.replace(/_/g, '\\_')}`), md.stdout);
});
