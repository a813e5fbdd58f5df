// Every annotated crontab in tests/fixtures/crontabs/ through hb doctor's rules: the findings
// must be exactly the ones the file's `# expect:` comments announce (see that folder's README).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobConfig } from '../../lib/rules/config/types.ts';
import { checkSyntax } from '../../bin/shell-syntax.ts';
import { syntaxChecks } from '../../lib/rules/doctor/command-rules.ts';
import { doctorFindings } from '../../lib/rules/doctor/doctor.ts';
import type { DoctorFacts, Probe } from '../../lib/rules/doctor/types.ts';
import { guessCrontabKind } from '../../lib/rules/crontab/kind.ts';

const DIR = fileURLToPath(new URL('../fixtures/crontabs/', import.meta.url));
const ALWAYS = [
  '/bin/sh',
  '/usr/bin/node',
  '/usr/bin/env',
  '/usr/bin/test',
  '/usr/bin/curl',
  '/usr/bin/date',
  '/usr/bin/true',
  '/usr/bin/nice',
  '/usr/local/bin/hb',
];

/** Every fixture file, cron.d/ ones included. */
function fixtureFiles(): string[] {
  const files: string[] = [];
  for (const name of readdirSync(DIR).sort()) {
    const path = join(DIR, name);
    if (statSync(path).isDirectory())
      files.push(
        ...readdirSync(path)
          .sort()
          .map((n) => join(path, n)),
      );
    else if (name !== 'README') files.push(path);
  }
  return files;
}

/** The facts a fixture declares with `# fixture:` lines; the shell's syntax verdicts are the real shell's. */
async function fixtureFacts(path: string): Promise<DoctorFacts> {
  const text = readFileSync(path, 'utf8');
  const decl = new Map<string, string[]>();
  for (const m of text.matchAll(/^# fixture: (\S+)(.*)$/gm)) decl.set(m[1]!, [...(decl.get(m[1]!) ?? []), ...m[2]!.trim().split(/\s+/).filter(Boolean)]);
  const kinds = new Map<string, Probe>();
  for (const p of [...ALWAYS, ...(decl.get('exec') ?? [])]) kinds.set(p, 'executable');
  for (const p of decl.get('file') ?? []) kinds.set(p, 'file');
  for (const p of decl.get('dir') ?? []) kinds.set(p, 'directory');
  const users = new Map((decl.get('users') ?? ['root=/root']).map((u) => u.split('=') as [string, string]));
  const cronD = basename(dirname(path)) === 'cron.d';
  const jobs = new Map<string, JobConfig>((decl.get('jobs') ?? []).map((name) => [name, { name }]));
  const sink = decl.get('check-sink')?.[0];
  if (sink) {
    const notify = [{ kind: 'healthchecks', where: 'jobs.hb-check.notify[0]', options: { url: sink }, timeoutMs: 10_000, retries: 2, on: null }];
    jobs.set('hb-check', { name: 'hb-check', notify });
  }
  // Read as hb reads a file named with --crontab: its place and lines decide, `# fixture: system` settles it.
  const executable = [...kinds].filter(([, k]) => k === 'executable').map(([p]) => p.slice(p.lastIndexOf('/') + 1));
  const guess =
    cronD || decl.has('system')
      ? { kind: 'system' as const, sure: true, why: '' }
      : guessCrontabKind(path, text, { isUser: (n) => users.has(n), isProgram: (n) => executable.includes(n) });
  const crontabs: DoctorFacts['crontabs'] = [
    {
      path,
      kind: guess.kind,
      kindGuess: { sure: guess.sure, why: guess.why },
      cronD,
      text,
      mode: Number.parseInt(decl.get('mode')?.[0] ?? '644', 8),
      uid: 0,
      owner: decl.get('owner')?.[0] ?? 'root',
    },
  ];
  return {
    crontabs,
    config: { file: jobs.size > 0 ? '/etc/hb/hb.yaml' : null, problems: [], jobs },
    stateDir: null,
    probe: (p) => kinds.get(p) ?? 'missing',
    users,
    userPath: ['/usr/local/bin', '/usr/bin', '/bin'],
    self: { node: '/usr/bin/node', hb: '/opt/hb/dist/hb.js' },
    hostTz: 'UTC',
    host: null,
    shellSyntax: await checkSyntax(syntaxChecks(crontabs)),
  };
}

/** What the annotations ask for: `code@line` for `# expect:`, `code@file` for `# expect-file:`. */
function expectations(text: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    const file = /^# expect-file: (.+)$/.exec(line);
    if (file)
      out.push(
        ...file[1]!
          .trim()
          .split(/\s+/)
          .map((c) => `${c}@file`),
      );
    const at = /^# expect: (.+)$/.exec(line);
    if (!at) return;
    let target = i + 1;
    while (target < lines.length && /^\s*(#|$)/.test(lines[target]!.replace(/\r$/, ''))) target++;
    out.push(
      ...at[1]!
        .trim()
        .split(/\s+/)
        .map((c) => `${c}@${target + 1}`),
    );
  });
  return out.sort();
}

for (const path of fixtureFiles()) {
  test(`fixture ${path.slice(DIR.length)}: findings match its annotations`, async () => {
    const findings = doctorFindings(await fixtureFacts(path));
    const got = findings.map((f) => `${f.code}@${f.line ?? 'file'}`).sort();
    const want = expectations(readFileSync(path, 'utf8'));
    assert.deepEqual(got, want, findings.map((f) => `${f.line}: ${f.code}: ${f.message}`).join('\n'));
    for (const f of findings) {
      assert.equal(f.file, path);
      assert.ok(f.message.length > 20 && f.fix.length > 5, `${f.code} says what and how to fix: ${f.message} / ${f.fix}`);
    }
  });
}

test('the fixtures cover every finding about a crontab file', () => {
  const codes = new Set(fixtureFiles().flatMap((p) => expectations(readFileSync(p, 'utf8')).map((e) => e.split('@')[0])));
  const fileCodes = [
    'invalid-line',
    'missing-newline',
    'crlf',
    'percent',
    'never-fires',
    'truncated-field',
    'step-too-large',
    'empty-command',
    'env-expansion',
    'cron-tz',
    'unknown-user',
    'command-not-found',
    'command-not-executable',
    'hb-not-on-path',
    'node-not-on-path',
    'shell-syntax',
    'user-variable',
    'crond-name',
    'crond-mode',
    'unknown-job',
    'duplicate-check',
    'dead-man-duplicate',
  ];
  assert.deepEqual(
    fileCodes.filter((c) => !codes.has(c)),
    [],
  );
});
