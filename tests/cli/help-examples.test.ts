// Every command's --help ends with examples: a person reading it sees how the command is called.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hb } from '../helpers.ts';

/** The commands `hb --help` lists (help itself aside). */
function listedCommands(): string[] {
  const help = hb(['--help']).stdout;
  const section = help.slice(help.indexOf('Commands:'), help.indexOf('\nExamples:'));
  return [...section.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

test('every command hb --help lists has examples in its own --help', () => {
  const commands = listedCommands();
  assert.ok(commands.length >= 14, `found only ${commands.join(', ')}`);
  for (const command of ['tick', 'wrap', 'check', 'resume', 'forget', 'next']) assert.ok(commands.includes(command), `${command} not listed`);
  for (const command of commands) {
    const r = hb([command, '--help']);
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    const examples = r.stdout.slice(r.stdout.indexOf('\nExamples:\n'));
    assert.ok(r.stdout.includes('\nExamples:\n'), `hb ${command} --help has no examples`);
    assert.match(examples, new RegExp(`\\n {2}hb ${command}\\b`), `hb ${command} --help: no example calls hb ${command}`);
  }
});
