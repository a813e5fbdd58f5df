// `expect:` decisions: the glob matcher, sizes and ratios, each reason a person reads, and the
// size a run is held to carried from the last artifact that passed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob, globMatches, globProblem } from '../../lib/rules/outcome/glob.ts';
import { formatRatio, formatSize, parseRatio, parseSize } from '../../lib/rules/outcome/size.ts';
import {
  artifactProblem,
  artifactResult,
  expectVerdict,
  firstLine,
  shellQuote,
  sizeReference,
  verifyCommand,
  verifyLabel,
  verifyProblem,
  type Lookup,
  type VerifyEnd,
} from '../../lib/rules/outcome/expect.ts';
import type { ExpectRule } from '../../lib/rules/outcome/rules.ts';
import type { ArtifactResult } from '../../lib/rules/outcome/types.ts';

const START = Date.parse('2026-12-03T02:30:00Z');
const H = 3600_000;
const matches = (glob: string, path: string) => globMatches(compileGlob(glob), path);

test('a glob matches names within one segment: *, ?, [...], [!...], ranges, escapes', () => {
  assert.ok(matches('/var/backups/db-*.sql.gz', '/var/backups/db-2026-12-03.sql.gz'));
  assert.ok(matches('/var/backups/db-*.sql.gz', '/var/backups/db-.sql.gz'), '* matches nothing too');
  assert.ok(!matches('/var/backups/db-*.sql.gz', '/var/backups/db-x.sql.gz.tmp'));
  assert.ok(!matches('/var/backups/db-*.sql.gz', '/var/backups/old/db-x.sql.gz'), '* stays within its segment');
  assert.ok(!matches('/var/backups/*.gz', '/var/backups/a/b.gz'));
  assert.ok(matches('/var/backups/*/db.gz', '/var/backups/host1/db.gz'));
  assert.ok(matches('/b/db-?.gz', '/b/db-1.gz'));
  assert.ok(!matches('/b/db-?.gz', '/b/db-12.gz'));
  assert.ok(matches('/b/db-[0-9].gz', '/b/db-7.gz'));
  assert.ok(!matches('/b/db-[0-9].gz', '/b/db-x.gz'));
  assert.ok(matches('/b/db-[!0-9].gz', '/b/db-x.gz'));
  assert.ok(!matches('/b/db-[!0-9].gz', '/b/db-7.gz'));
  assert.ok(matches('/b/db-[^0-9].gz', '/b/db-x.gz'));
  assert.ok(matches('/b/x[]]y', '/b/x]y'), 'a ] first in a class is one of its characters');
  assert.ok(matches('/b/x[ab', '/b/x[ab'), 'an unclosed [ is itself');
  assert.ok(matches('/b/a\\*b', '/b/a*b'), 'an escaped * is a star');
  assert.ok(!matches('/b/a\\*b', '/b/axxb'));
  assert.ok(matches('/b/a.b+c(d)', '/b/a.b+c(d)'), 'regular-expression characters are literal');
  assert.ok(!matches('/b/a.b', '/b/aXb'));
  assert.ok(matches('/b/**.gz', '/b/x.gz'), '** is *');
  assert.ok(!matches('/b/**/x.gz', '/b/a/c/x.gz'), 'no recursion');
});

test('a leading wildcard does not match a hidden name, a leading dot does', () => {
  assert.ok(!matches('/b/*.gz', '/b/.partial.gz'));
  assert.ok(!matches('/b/?x', '/b/.x'));
  assert.ok(matches('/b/.*.gz', '/b/.partial.gz'));
  assert.ok(matches('/b/a*.gz', '/b/a.gz'));
});

test('compiling splits the fixed directory from the wildcard segments', () => {
  assert.deepEqual(compileGlob('/var/backups/db.sql.gz'), { root: '/var/backups', segments: [{ literal: 'db.sql.gz' }], wild: false });
  const g = compileGlob('/var/backups/*/latest/db-*.gz');
  assert.equal(g.root, '/var/backups');
  assert.equal(g.wild, true);
  assert.equal(g.segments.length, 3);
  assert.deepEqual(g.segments[1], { literal: 'latest' });
  assert.equal(compileGlob('/*.gz').root, '/');
  assert.equal(compileGlob('//var//b/x').root, '/var/b', 'repeated slashes are one');
});

test('an expect path must be absolute, not empty, not a directory', () => {
  assert.equal(globProblem('/var/backups/db-*.sql.gz'), null);
  assert.match(globProblem('')!, /found an empty path/);
  assert.match(globProblem('backups/db.gz')!, /"backups\/db.gz" is relative; expected an absolute file path or glob/);
  assert.match(globProblem('/var/backups/')!, /ends with \/; expected a file, not a directory/);
  assert.match(globProblem('/var/../etc/x')!, /holds \. or \.\./);
});

test('sizes: decimal and binary units, numbers of bytes; nothing else', () => {
  assert.equal(parseSize('20B'), 20);
  assert.equal(parseSize('1KB'), 1000);
  assert.equal(parseSize('1KiB'), 1024);
  assert.equal(parseSize('1 MB'), 1_000_000);
  assert.equal(parseSize('2.5GB'), 2_500_000_000);
  assert.equal(parseSize('1mib'), 1_048_576);
  assert.equal(parseSize(1048576), 1048576);
  assert.equal(parseSize('300'), 300);
  for (const bad of ['', '1XB', '-1KB', 'MB', 0, -5, 1.5, '0B', true, null, [1]]) assert.equal(parseSize(bad), undefined, `refuses ${JSON.stringify(bad)}`);
  assert.equal(parseSize('1.5'), 2, 'a fraction of a byte rounds up');
});

test('sizes print in decimal units with one decimal at most', () => {
  assert.equal(formatSize(0), '0 B');
  assert.equal(formatSize(20), '20 B');
  assert.equal(formatSize(999), '999 B');
  assert.equal(formatSize(1000), '1 KB');
  assert.equal(formatSize(1536), '1.5 KB');
  assert.equal(formatSize(999_999), '1 MB');
  assert.equal(formatSize(2_100_000_000), '2.1 GB');
  assert.equal(formatSize(2_147_483_648), '2.1 GB');
});

test('ratios: a percentage or a fraction above 0 and at most 1', () => {
  assert.equal(parseRatio('50%'), 0.5);
  assert.equal(parseRatio(0.5), 0.5);
  assert.equal(parseRatio('100%'), 1);
  assert.equal(parseRatio(1), 1);
  assert.equal(parseRatio('12.5%'), 0.125);
  for (const bad of ['0%', 0, 1.5, '150%', '-5%', 'half', null]) assert.equal(parseRatio(bad), undefined, `refuses ${JSON.stringify(bad)}`);
  assert.equal(formatRatio(0.5), '50%');
  assert.equal(formatRatio(0.125), '12.5%');
});

const rule = (fields: Partial<ExpectRule> = {}): ExpectRule => ({ path: '/var/backups/backup.sql.gz', fresh: true, ...fields });
const found = (size: number, mtimeMs = START + 60_000, file = '/var/backups/backup.sql.gz'): Lookup => ({ kind: 'found', found: { file, size, mtimeMs } });
const NO_REF = { size: null, lastRunPassed: false };

test('each artifact reason says what is wrong in words', () => {
  assert.equal(artifactProblem(rule({ path: '/var/backups/db-*.sql.gz' }), { kind: 'none' }, START, NO_REF), 'no file matches /var/backups/db-*.sql.gz');
  assert.equal(artifactProblem(rule(), found(5000, START - 23 * H), START, NO_REF), 'backup.sql.gz was last written 23h before this run started');
  assert.equal(artifactProblem(rule({ fresh: false }), found(5000, START - 23 * H), START, NO_REF), null, 'fresh: false takes an old file');
  assert.equal(artifactProblem(rule({ minBytes: 1_000_000 }), found(20), START, NO_REF), 'backup.sql.gz is 20 B, under its min_size 1 MB');
  assert.equal(artifactProblem(rule({ minBytes: 1_000_000 }), found(1_000_000), START, NO_REF), null, 'exactly min_size passes');
  assert.equal(
    artifactProblem(rule({ minRatio: 0.5 }), found(20), START, { size: 2_100_000_000, lastRunPassed: true }),
    "backup.sql.gz is 20 B; last run's was 2.1 GB (min_ratio 50%)",
  );
  assert.equal(
    artifactProblem(rule({ minRatio: 0.5 }), found(20), START, { size: 2_100_000_000, lastRunPassed: false }),
    'backup.sql.gz is 20 B; the last good one was 2.1 GB (min_ratio 50%)',
  );
  assert.equal(artifactProblem(rule({ minRatio: 0.5 }), found(1000), START, { size: 2000, lastRunPassed: true }), null, 'exactly half passes');
  assert.equal(artifactProblem(rule({ minRatio: 0.5 }), found(20), START, NO_REF), null, 'no reference yet: nothing to compare with');
  assert.equal(artifactProblem(rule(), { kind: 'unreadable', reason: 'cannot read /var/backups: EACCES' }, START, NO_REF), 'cannot read /var/backups: EACCES');
});

test('sizes that round alike are said in bytes so the reason never reads "1 KB, under 1 KB"', () => {
  assert.equal(artifactProblem(rule({ minBytes: 1024 }), found(1000), START, NO_REF), 'backup.sql.gz is 1000 bytes, under its min_size 1024 bytes');
});

test('a file written a moment before the start still counts as this run (coarse file clocks), a second earlier does not', () => {
  assert.equal(artifactProblem(rule(), found(10, START - 5), START, NO_REF), null);
  assert.match(artifactProblem(rule(), found(10, START - 2000), START, NO_REF)!, /was last written 2s before this run started/);
});

test('the checks run in order: stale beats small, small beats the ratio', () => {
  const r = rule({ minBytes: 100, minRatio: 0.5 });
  assert.match(artifactProblem(r, found(1, START - H), START, { size: 1000, lastRunPassed: true })!, /last written 1h/);
  assert.match(artifactProblem(r, found(1), START, { size: 1000, lastRunPassed: true })!, /under its min_size/);
});

test('ref_size: a passing artifact becomes the size the next run is held to; a failing one keeps the last good size', () => {
  const path = '/var/backups/backup.sql.gz';
  // Run 1: 2.1 GB passes, no reference yet.
  const r1 = artifactResult(rule({ minRatio: 0.5 }), found(2_100_000_000), null, sizeReference(path, null));
  assert.deepEqual(r1, { path, file: path, size: 2_100_000_000, ok: true, reason: null, ref_size: 2_100_000_000 });
  // Run 2: 20 B fails against it, and carries 2.1 GB on.
  const ref2 = sizeReference(path, [r1]);
  assert.deepEqual(ref2, { size: 2_100_000_000, lastRunPassed: true });
  const why = artifactProblem(rule({ minRatio: 0.5 }), found(20), START, ref2);
  const r2 = artifactResult(rule({ minRatio: 0.5 }), found(20), why, ref2);
  assert.equal(r2.ok, false);
  assert.equal(r2.ref_size, 2_100_000_000);
  // Run 3: another 20 B is still held to 2.1 GB: one bad run does not lower the bar.
  const ref3 = sizeReference(path, [r2]);
  assert.deepEqual(ref3, { size: 2_100_000_000, lastRunPassed: false });
  assert.equal(artifactProblem(rule({ minRatio: 0.5 }), found(20), START, ref3), 'backup.sql.gz is 20 B; the last good one was 2.1 GB (min_ratio 50%)');
  // Another path's entry is no reference; an entry from before ref_size counts when it passed.
  assert.deepEqual(sizeReference('/other', [r1]), NO_REF);
  const old = { path, file: path, size: 500, ok: true, reason: null } as unknown as ArtifactResult;
  assert.deepEqual(sizeReference(path, [old]), { size: 500, lastRunPassed: true });
  // Nothing found: no size, the reference carried.
  assert.deepEqual(artifactResult(rule(), { kind: 'none' }, 'no file', ref2), {
    path,
    file: null,
    size: null,
    ok: false,
    reason: 'no file',
    ref_size: 2_100_000_000,
  });
});

test('a verifier string gets the shell-quoted path, a list gets it in each {}', () => {
  assert.equal(verifyCommand('gzip -t {}', '/b/x.gz'), 'gzip -t /b/x.gz');
  assert.equal(verifyCommand('gzip -t {}', "/b/it's here.gz"), "gzip -t '/b/it'\\''s here.gz'");
  assert.equal(verifyCommand('gzip -t {}', '/b/$(reboot).gz'), "gzip -t '/b/$(reboot).gz'");
  assert.deepEqual(verifyCommand(['sqlite3', '{}', 'pragma integrity_check'], '/b/a b.db'), ['sqlite3', '/b/a b.db', 'pragma integrity_check']);
  assert.deepEqual(verifyCommand(['check', '--file={}'], '/b/x'), ['check', '--file=/b/x']);
  assert.equal(shellQuote('/plain/path-1.gz'), '/plain/path-1.gz');
  assert.equal(verifyLabel('gzip -t {}', '/var/backups/backup.sql.gz'), 'gzip -t backup.sql.gz');
  assert.equal(verifyLabel(['gpg', '--list-packets', '{}'], '/b/x.gpg'), 'gpg --list-packets x.gpg');
});

test('verifier reasons: exit code with its first stderr line, signal, timeout, not started; exit 0 passes', () => {
  const end = (fields: Partial<VerifyEnd>): VerifyEnd => ({
    code: 0,
    signal: null,
    timedOut: false,
    timeoutMs: 300_000,
    notStarted: null,
    stderrLine: '',
    ...fields,
  });
  const label = 'gzip -t backup.sql.gz';
  assert.equal(verifyProblem(label, end({})), null);
  assert.equal(
    verifyProblem(label, end({ code: 1, stderrLine: 'gzip: backup.sql.gz: unexpected end of file' })),
    'gzip -t backup.sql.gz failed with exit 1: gzip: backup.sql.gz: unexpected end of file',
  );
  assert.equal(verifyProblem(label, end({ code: 2 })), 'gzip -t backup.sql.gz failed with exit 2');
  assert.equal(verifyProblem(label, end({ code: null, signal: 'SIGKILL', timedOut: true })), 'gzip -t backup.sql.gz timed out after 5m (its verify_timeout)');
  assert.equal(verifyProblem(label, end({ code: null, signal: 'SIGSEGV' })), 'gzip -t backup.sql.gz was killed by SIGSEGV');
  assert.equal(verifyProblem(label, end({ code: 127, notStarted: 'command not found: gzip' })), 'gzip -t backup.sql.gz could not run: command not found: gzip');
  assert.equal(firstLine('\n  \ngzip: x: not in gzip format\nmore\n'), 'gzip: x: not in gzip format');
  assert.equal(firstLine('x'.repeat(1000)).length, 300);
});

test('the run fails with the first failed artifact; all passing is ok', () => {
  const ok = { path: '/a', file: '/a', size: 1, ok: true, reason: null, ref_size: 1 };
  const bad = (reason: string) => ({ path: '/b', file: null, size: null, ok: false, reason, ref_size: null });
  assert.deepEqual(expectVerdict([ok, bad('first'), bad('second')]), { outcome: 'failed', reason: 'first' });
  assert.deepEqual(expectVerdict([ok]), { outcome: 'ok', reason: null });
});

test("wrap's flags make one fresh rule per --expect path, each with every check given; none without --expect", async () => {
  const { expectFromFlags } = await import('../../lib/rules/outcome/expect.ts');
  assert.equal(expectFromFlags(undefined, { minBytes: 5 }), undefined);
  assert.equal(expectFromFlags([], {}), undefined);
  assert.deepEqual(expectFromFlags(['/a', '/b/*.gz'], { minBytes: 5, verify: 'gzip -t {}' }), [
    { path: '/a', fresh: true, minBytes: 5, verify: 'gzip -t {}', verifyTimeoutMs: 300_000 },
    { path: '/b/*.gz', fresh: true, minBytes: 5, verify: 'gzip -t {}', verifyTimeoutMs: 300_000 },
  ]);
  assert.deepEqual(expectFromFlags(['/a'], { minRatio: 0.5 }), [{ path: '/a', fresh: true, minRatio: 0.5 }]);
});
