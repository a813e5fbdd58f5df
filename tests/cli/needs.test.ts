// Preconditions of `needs:` through the built CLI: a directory that is not a mount point and a
// closed port are the causes hb check names for a stale job, a listening server is ruled out, and
// the job alerts on its own (a failed precondition folds nothing). Time moves with faketime.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort, hb, hbRun, requireTool, sandbox } from '../helpers.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';

const T = Date.parse('2026-11-20T00:00:00Z');
const at = (ms: number) => ['faketime', '-f', `@${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}`];

test('a mount point not mounted and a port refusing are the causes of a stale job; a listening port is ruled out', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const server = createServer((c) => c.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const closed = await freePort();
  const s = sandbox();
  t.after(async () => {
    server.close();
    await rec.close();
    s.cleanup();
  });
  const open = (server.address() as { port: number }).port;
  const disk = join(s.root, 'backup-disk');
  mkdirSync(disk);
  const config = join(s.root, 'hb.yaml');
  writeFileSync(
    config,
    `notify:
  - webhook: {url: ${rec.url}/hook, timeout: 2s, retries: 0}
jobs:
  backup:
    every: 1h
    needs: [mount:${disk}, tcp:127.0.0.1:${closed}, {tcp: "127.0.0.1:${open}"}]
`,
  );
  s.env.HB_CONFIG = config;
  assert.equal(hb(['tick', 'backup'], { env: s.env, prefix: at(T) }).code, 0);

  const r = await hbRun(['check', '--json'], { env: s.env, prefix: at(T + 2 * 3_600_000 + 60_000) });
  assert.equal(r.code, 1, r.stderr);
  const backup = (
    JSON.parse(r.stdout) as {
      jobs: Array<{
        job: string;
        status: string;
        root_cause: unknown;
        evidence: Array<{ kind: string; weight: string; text: string; facts: Record<string, unknown> }>;
      }>;
    }
  ).jobs.find((j) => j.job === 'backup')!;
  assert.equal(backup.status, 'stale');
  assert.deepEqual(backup.root_cause, { job: null, need: `mount:${disk}`, text: `${disk} is not mounted (mount ${disk})` });
  assert.deepEqual(
    // Other kinds of evidence depend on the host (the cron daemon, other state directories): only the needs' are looked at.
    backup.evidence.filter((e) => e.kind === 'precondition').map((e) => [e.kind, e.weight, e.text]),
    [
      ['precondition', 'cause', `${disk} is not mounted (mount ${disk})`],
      ['precondition', 'cause', `127.0.0.1:${closed} refused the connection (nothing listens there)`],
      ['precondition', 'clear', `127.0.0.1:${open} accepts connections`],
    ],
  );
  assert.deepEqual(backup.evidence.find((e) => e.kind === 'precondition' && e.weight === 'cause' && e.text.includes(String(closed)))?.facts, {
    need: `tcp:127.0.0.1:${closed}`,
    holds: false,
    connected: false,
    error: 'ECONNREFUSED',
  });
  // A precondition is no job to fold into: the job alerts on its own.
  assert.deepEqual(
    rec.requests.map((q) => [(q.body as { type: string }).type, (q.body as { job: string }).job]),
    [['alert', 'backup']],
  );
});
