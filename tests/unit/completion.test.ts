// The completion scripts are made from the commander program itself: every command and every
// option --help lists is in each shell's script, and one added to the program appears there
// with no change to the generators. In process; nothing is read or written outside memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram } from '../../bin/cli.ts';
import { describeProgram } from '../../bin/commands/completion.ts';
import { bashScript } from '../../lib/rules/completion/bash.ts';
import { fishScript } from '../../lib/rules/completion/fish.ts';
import { jobNamesFrom, operandKind, optionValueKind, shortHelp, SHELLS } from '../../lib/rules/completion/model.ts';
import { identifier } from '../../lib/rules/completion/quote.ts';
import { zshScript } from '../../lib/rules/completion/zsh.ts';
import { quietIo } from '../fakes.ts';

interface Listed {
  path: string[];
  options: string[];
  commands: string[];
}

/** Every command of the program with the option names and subcommands its --help lists, read from commander's own table. */
function walk(program: Command): Listed[] {
  const help = program.createHelp();
  const out: Listed[] = [];
  const visit = (cmd: Command, path: string[]) => {
    const commands = help.visibleCommands(cmd);
    out.push({
      path,
      options: help.visibleOptions(cmd).flatMap((o) => [o.short, o.long].filter((n): n is string => Boolean(n))),
      commands: commands.map((c) => c.name()),
    });
    for (const c of commands) visit(c, [...path, c.name()]);
  };
  visit(program, ['hb']);
  return out;
}

/** The lines of `script` from the one starting with `start` up to the next line that is exactly `end`. */
function section(script: string, start: string, end: string): string {
  const from = script.indexOf(start);
  assert.ok(from >= 0, `script has ${start}`);
  return script.slice(from, script.indexOf(`\n${end}\n`, from));
}

/** Checks that each shell's script offers `listed` (a command's options and subcommands) where that command is completed. */
function assertCovered(scripts: { bash: string; zsh: string; fish: string }, listed: Listed[]): void {
  for (const { path, options, commands } of listed) {
    const where = path.join(' ');
    const bashArm = scripts.bash.split('\n').find((l) => l.startsWith(`    '${where}') _hb_opts=`));
    assert.ok(bashArm, `bash: a table row for "${where}"`);
    const bashOptions = /_hb_opts='([^']*)'/.exec(bashArm)![1]!.split(' ').filter(Boolean);
    const bashCommands = /_hb_cmds='([^']*)'/.exec(bashArm)![1]!.split(' ').filter(Boolean);
    assert.deepEqual(bashOptions.sort(), options.sort(), `bash: the options of ${where}`);
    assert.deepEqual(bashCommands, commands, `bash: the commands of ${where}`);

    const zshFunction = section(scripts.zsh, `_hb_cmd_${identifier(path)}() {`, '}');
    for (const o of options) assert.match(zshFunction, new RegExp(`'\\*?${o.replace(/[-]/g, '\\-')}[=+[]`), `zsh: ${o} of ${where}`);
    for (const c of commands) assert.ok(zshFunction.includes(`'${c}:`), `zsh: command ${c} of ${where}`);

    const fishLines = scripts.fish.split('\n').filter((l) => l.includes(`__hb_in '\\''${where}'\\''`) || l.includes(`'__hb_in \\'${where}\\''`));
    for (const o of options) {
      const flag = o.startsWith('--') ? `-l ${o.slice(2)}` : `-s ${o.slice(1)}`;
      assert.ok(
        fishLines.some((l) => l.includes(` ${flag} `) || l.includes(` ${flag}\n`)),
        `fish: ${o} of ${where}`,
      );
    }
    const fishCommands = scripts.fish.split('\n').filter((l) => l.includes(`'__hb_at \\'${where}\\' 0 0'`));
    for (const c of commands)
      assert.ok(
        fishCommands.some((l) => l.includes(` -a '${c}' `)),
        `fish: command ${c} of ${where}`,
      );
  }
}

/** The three scripts made from `program`. */
function scriptsOf(program: Command) {
  const root = describeProgram(program);
  return { bash: bashScript(root), zsh: zshScript(root), fish: fishScript(root) };
}

test('each shell script offers every command and every option hb --help lists, at every level', async () => {
  const { program } = await buildProgram(quietIo('/nonexistent-hb-test-dir'));
  const listed = walk(program);
  assert.ok(listed.length >= 18, `walked ${listed.map((l) => l.path.join(' ')).join(', ')}`);
  for (const expected of [['hb'], ['hb', 'check'], ['hb', 'daemon', 'start'], ['hb', 'completion'], ['hb', 'help']]) {
    assert.ok(
      listed.some((l) => l.path.join(' ') === expected.join(' ')),
      `walked ${expected.join(' ')}`,
    );
  }
  assertCovered(scriptsOf(program), listed);
});

test('an option or command added to the program appears in every script with no change to the generators', async () => {
  const { program } = await buildProgram(quietIo('/nonexistent-hb-test-dir'));
  const { Option } = await import('commander');
  program
    .command('brand-new')
    .description('a command the generators have never seen')
    .argument('[job...]', 'jobs')
    .addOption(new Option('--colour-scheme <scheme>', 'a new option with fixed values').choices(['dark', 'light']))
    .option('--log-file <file>', 'a new option naming a file');
  const scripts = scriptsOf(program);
  assertCovered(scripts, walk(program));
  assert.ok(scripts.bash.includes(`'hb brand-new --colour-scheme') _hb_kind=choices; _hb_list='dark light'`));
  assert.ok(scripts.bash.includes(`'hb brand-new --log-file') _hb_kind=file`));
  assert.ok(scripts.zsh.includes(`'*--colour-scheme=[a new option with fixed values]:scheme:(dark light)'`));
  assert.ok(scripts.fish.includes(`-l colour-scheme -x -a 'dark light'`));
  assert.ok(scripts.fish.includes(`-l log-file -r -F`));
});

test('hidden options stay out of the scripts; the shells commander accepts are the ones hb has scripts for', async () => {
  const { program } = await buildProgram(quietIo('/nonexistent-hb-test-dir'));
  const scripts = scriptsOf(program);
  for (const [shell, script] of Object.entries(scripts)) {
    assert.ok(!script.includes('config-snapshot'), `${shell}: the hidden --config-snapshot is not offered`);
    assert.ok(!/'hb completion'\) _hb_opts='[^']*--jobs|'\*?--jobs[[=]| -l jobs /.test(script), `${shell}: hb completion's hidden --jobs is not offered`);
  }
  const completion = program.commands.find((c) => c.name() === 'completion')!;
  assert.deepEqual(completion.registeredArguments[0]!.argChoices, [...SHELLS]);
});

test('how a value completes follows from its flag and the value name --help shows', () => {
  assert.equal(optionValueKind('--format', 'format', ['text', 'json']), 'choices');
  assert.equal(optionValueKind('--job', 'name', []), 'job');
  assert.equal(optionValueKind('--user', 'name', []), 'user');
  assert.equal(optionValueKind('--state-dir', 'dir', []), 'dir');
  assert.equal(optionValueKind('--output-dir', 'dir', []), 'dir');
  assert.equal(optionValueKind('--config', 'file', []), 'file');
  assert.equal(optionValueKind('--textfile', 'path', []), 'file');
  assert.equal(optionValueKind('--tz', 'zone', []), 'zone');
  assert.equal(optionValueKind('--every', 'duration', []), 'none');
  assert.equal(operandKind('job', true, []), 'job');
  assert.equal(operandKind('expr', false, []), 'job');
  assert.equal(operandKind('command', true, []), 'command');
  assert.equal(operandKind('command', false, []), 'subcommand');
  assert.equal(operandKind('shell', false, ['bash']), 'choices');
});

test('job names come from heartbeat and running-marker files and the config, valid ones only, sorted, once each', () => {
  const files = ['backup.last', 'backup.run', 'sync.run', 'events.jsonl', 'locks', '.hidden.last', 'bad name.last', 'meta', 'a.b-c_d.last'];
  assert.deepEqual(jobNamesFrom(files, ['zeta', 'backup', '../x']), ['a.b-c_d', 'backup', 'sync', 'zeta']);
  assert.deepEqual(jobNamesFrom([], []), []);
});

test('help beside a candidate is one line, cut at a word with an ellipsis when long', () => {
  assert.equal(shortHelp('one\n  line'), 'one line');
  const long = shortHelp('word '.repeat(40), 30);
  assert.ok(long.length <= 30 && long.endsWith('word…'), long);
});
