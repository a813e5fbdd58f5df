// The parser against the real thing: Debian's `crontab -n FILE` (a dry run of cron's own line
// parser) must refuse exactly the lines hb's parser marks invalid, and exactly the user-crontab
// fixtures hb says cron ignores as a whole.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCrontab } from '../../lib/rules/crontab/parse.ts';
import { fileRefusals } from '../../lib/rules/crontab/verdict.ts';
import { fixture, requireTool } from '../helpers.ts';

// Lines cron accepts (true) or refuses (false), many of them pitfalls hb doctor reports.
const LINES: Array<[string, boolean]> = [
  ['* * * * * echo', true],
  ['*/15 8-18/2,22 * jan-mar/2 mon-fri echo', true],
  ['0 0 * * 7-0 echo', true], // reversed: accepted, never fires
  ['5-1 * * * * echo', true],
  ['0 0 31 2 * echo', true],
  ['*/90 * * * * echo', true],
  ['* * * * 5#3 echo', true], // truncated to 5
  ['* * * * fri#2 echo', true],
  ['* * * * 5;x echo', true],
  ['*/5#2 * * * * echo', true],
  ['* * * * *', true],
  ['@reboot echo', true],
  ['@annually echo', true],
  ['@daily\techo', true],
  ['X=1 # kept in the value', true],
  ['"A"=1', true],
  ["A='x'  ", true],
  ['=x', true],
  ['MAILTO=""', true],
  ['MAILTO=', false],
  ['A =', false],
  ['A="x" y', false],
  ['A="x', false],
  ['A B=1', false],
  ['60 * * * * echo', false],
  ['* 24 * * * echo', false],
  ['* * 0 * * echo', false],
  ['* * * 13 * echo', false],
  ['* * * * 8 echo', false],
  ['* * L * * echo', false],
  ['* * 15W * * echo', false],
  ['* * ? * * echo', false],
  ['* * * * 5L echo', false],
  ['* * * * Sunday echo', false],
  ['*/0 * * * * echo', false],
  ['5/10 * * * * echo', false],
  ['1,,2 * * * * echo', false],
  ['1, * * * * echo', false],
  ['5- * * * * echo', false],
  ['* * * *', false],
  ['X', false],
  ['@DAILY echo', false],
  ['@every echo', false],
  ['@ echo', false],
  // A sixth time field (seconds or years from other schedulers): "bad command".
  ['*/6 * * * * * echo hi', false],
  ['0 0 * * * *', false],
  ['* * * * *\t*/5 echo', false],
  ['* * * * 1,*/2 *x', false],
  ['@daily * echo', false],
  ['* * * * * x *', true],
  ['* * * * * \\*x', true],
  ['* * * * * ', true],
  ['@daily', true],
];

test('hb marks invalid exactly the lines `crontab -n` refuses', (t) => {
  if (!requireTool(t, 'crontab')) return;
  const dir = mkdtempSync(join(tmpdir(), 'hb-oracle-'));
  try {
    const file = join(dir, 'crontab');
    for (const [line, accepted] of LINES) {
      writeFileSync(file, `${line}\n`);
      const r = spawnSync('crontab', ['-n', file], { encoding: 'utf8' });
      assert.equal(r.status === 0, accepted, `crontab -n on ${JSON.stringify(line)}: ${r.stderr}`);
      const parsed = parseCrontab(`${line}\n`, { kind: 'user', file });
      const invalid = parsed.lines.some((l) => l.kind === 'invalid');
      assert.equal(!invalid, accepted, `hb on ${JSON.stringify(line)}: ${JSON.stringify(parsed.lines[0])}`);
    }
    writeFileSync(file, '* * * * * echo');
    const r = spawnSync('crontab', ['-n', file], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, 'no final newline: refused');
    assert.match(r.stderr, /missing newline/);
    assert.equal(parseCrontab('* * * * * echo', { kind: 'user', file }).finalNewline, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hb says cron ignores a user-crontab fixture exactly when `crontab -n` refuses it', (t) => {
  if (!requireTool(t, 'crontab')) return;
  const dir = fixture('crontabs');
  const files = readdirSync(dir).filter((n) => n.endsWith('.crontab'));
  let refused = 0;
  for (const name of files) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (/^# fixture: system\b/m.test(text)) continue;
    const r = spawnSync('crontab', ['-n', join(dir, name)], { encoding: 'utf8' });
    const ignores = fileRefusals(parseCrontab(text, { kind: 'user', file: name }), null);
    assert.equal(
      ignores.length > 0,
      r.status !== 0,
      `${name}: crontab -n says ${JSON.stringify(r.stderr.trim() || r.stdout.trim())}; hb: ${JSON.stringify(ignores)}`,
    );
    if (r.status !== 0) refused++;
  }
  assert.ok(refused >= 3 && refused < files.length, `both verdicts are met (${refused} of ${files.length} refused)`);
});
