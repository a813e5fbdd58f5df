// The completion scripts of `hb completion` loaded in real bash, zsh and fish: each shell's own
// completion machinery runs the generated code on a typed line, and the test reads what it offers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, fixture, hb, requireTool, sandbox, type Sandbox } from '../helpers.ts';

/** The commands `hb --help` lists, help included: each must complete from the empty word. */
function listedCommands(): string[] {
  const help = hb(['--help']).stdout;
  const section = help.slice(help.indexOf('Commands:'), help.indexOf('\nExamples:'));
  return [...section.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!);
}

/**
 * A sandbox where `hb` is on PATH (as an installed hb is), with jobs backup and sync in its state
 * directory, report-mail in its config, and a second state directory whose path has a space.
 */
interface Place {
  s: Sandbox;
  env: NodeJS.ProcessEnv;
  spaced: string;
  work: string;
}

function place(): Place {
  const s = sandbox();
  const bin = join(s.root, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'hb'), `#!/bin/sh\nexec '${process.execPath}' '${HB}' "$@"\n`);
  chmodSync(join(bin, 'hb'), 0o755);
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, 'jobs:\n  report-mail:\n    every: 1d\n');
  const env = { ...s.env, PATH: `${bin}:${s.env.PATH}`, HB_CONFIG: config };
  for (const job of ['backup', 'sync']) assert.equal(hb(['tick', job, '--every', '1h'], { env }).code, 0);
  const spaced = join(s.root, 'my state');
  mkdirSync(spaced);
  assert.equal(hb(['tick', 'elsewhere', '--every', '1h', '--state-dir', spaced], { env }).code, 0);
  const work = join(s.root, 'work');
  mkdirSync(join(work, 'a dir'), { recursive: true });
  writeFileSync(join(work, 'notes.txt'), '');
  return { s, env, spaced, work };
}

function script(shell: string, env: NodeJS.ProcessEnv, dir: string, name: string): string {
  const r = hb(['completion', shell], { env });
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, name);
  writeFileSync(file, r.stdout);
  return file;
}

/** Runs a shell, failing the test with its output when it does not exit 0. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): string {
  const r = spawnSync(cmd, args, { env, cwd, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\nexit ${r.status} ${r.signal ?? ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r.stdout;
}

// bash: the registered function (complete -p hb names it) called with COMP_WORDS, COMP_CWORD,
// COMP_LINE and COMP_POINT set as readline sets them; COMPREPLY printed one per line.
const BASH_DRIVER = `
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}
spec=$(complete -p hb) || exit 5
fn=\${spec#*-F }; fn=\${fn%% *}
"$fn" hb "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"
`;

test('bash: commands, options, fixed values, job names, paths with spaces and the command hb wrap runs', (t) => {
  if (!requireTool(t, 'bash')) return;
  const { s, env, spaced, work } = place();
  try {
    const file = script('bash', env, s.root, 'hb.bash');
    // The words as bash splits them (`=` is a word of its own: COMP_WORDBREAKS has it).
    const complete = (...words: string[]) =>
      run('bash', ['--norc', '--noprofile', '-c', BASH_DRIVER, 'bash', file, ...words], env, work)
        .split('\n')
        .filter(Boolean);
    assert.deepEqual(complete('hb', '').sort(), listedCommands().sort(), 'every command from the empty word');
    assert.deepEqual(complete('hb', 'st'), ['status']);
    assert.deepEqual(complete('hb', 'check', '--fo'), ['--format']);
    assert.deepEqual(complete('hb', 'check', '--format', ''), ['text', 'json', 'nagios', 'prometheus']);
    assert.deepEqual(complete('hb', 'check', '--format', '=', 'pro'), ['prometheus']);
    assert.deepEqual(complete('hb', 'status', ''), ['backup', 'report-mail', 'sync']);
    assert.deepEqual(complete('hb', 'pause', 'ba'), ['backup']);
    assert.deepEqual(complete('hb', 'status', 'backup', 's'), ['sync'], 'status takes several jobs');
    assert.deepEqual(complete('hb', 'tick', 'backup', ''), [], 'tick takes one');
    assert.deepEqual(complete('hb', 'daemon', 'st'), ['start', 'stop', 'status']);
    assert.deepEqual(complete('hb', 'wrap', '--job', 's'), ['sync']);
    // A state directory given on the line, quoted as typed, is the one whose jobs are offered.
    assert.deepEqual(complete('hb', '--state-dir', `'${spaced}'`, 'status', ''), ['elsewhere', 'report-mail']);
    assert.deepEqual(complete('hb', 'status', '--state-dir', spaced.replace(/ /g, '\\ '), ''), ['elsewhere', 'report-mail']);
    // Paths: one candidate per file, a space kept inside it.
    assert.deepEqual(complete('hb', '--config', 'a\\ d'), ['a dir']);
    assert.deepEqual(complete('hb', 'doctor', '--crontab', 'no'), ['notes.txt']);
    assert.ok(complete('hb', 'wrap', '--', 'ech').includes('echo'), 'the wrapped command completes as a command');
    assert.deepEqual(complete('hb', 'wrap', '--job', 'x', 'echo', 'no'), ['notes.txt'], "then its arguments (as files, bash-completion's helpers absent)");
    assert.ok(complete('hb', 'log', '-').includes('--since'));
    // With bash-completion loaded, its _command_offset completes the wrapped command from the
    // word that names it (an index into COMP_WORDS, where --job=x is three words).
    const offset = `_command_offset() { COMPREPLY=("offset $1: \${COMP_WORDS[$1]}"); }; ${BASH_DRIVER}`;
    const delegated = (...words: string[]) => run('bash', ['--norc', '--noprofile', '-c', offset, 'bash', file, ...words], env, work).trim();
    assert.equal(delegated('hb', 'wrap', '--job', 'x', 'mytool', '--col'), 'offset 4: mytool');
    assert.equal(delegated('hb', 'wrap', '--job', '=', 'x', '--', 'mytool', ''), 'offset 6: mytool');
    assert.deepEqual(complete('hb', 'completion', ''), ['bash', 'zsh', 'fish']);
    assert.deepEqual(complete('hb', 'next', '@daily', '--tz', 'Europe/Berl'), ['Europe/Berlin'], 'time zones, from the zone files');
    assert.ok(complete('hb', 'tick', 'x', '--tz', 'Eur').includes('Europe/'), 'a zone folder, to go on into');
  } finally {
    s.cleanup();
  }
});

test('fish: commands, options, fixed values, job names, paths with spaces and the command hb wrap runs', (t) => {
  if (!requireTool(t, 'fish')) return;
  const { s, env, spaced, work } = place();
  try {
    const file = script('fish', env, s.root, 'hb.fish');
    // A command with completions of its own, to be completed after hb wrap.
    const complete = (line: string) =>
      run('fish', ['--no-config', '-c', 'source $argv[1]; complete -c mytool -l colour -d "a flag of mytool"; complete -C $argv[2]', file, line], env, work)
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]!);
    assert.deepEqual(complete('hb ').sort(), listedCommands().sort(), 'every command from the empty word');
    assert.deepEqual(complete('hb st'), ['status']);
    assert.deepEqual(complete('hb check --fo'), ['--format']);
    assert.deepEqual(complete('hb check --format ').sort(), ['json', 'nagios', 'prometheus', 'text']);
    assert.deepEqual(complete('hb check --format=pro'), ['--format=prometheus']);
    assert.deepEqual(complete('hb status '), ['backup', 'report-mail', 'sync']);
    assert.deepEqual(complete('hb pause ba'), ['backup']);
    assert.deepEqual(complete('hb status backup s'), ['sync'], 'status takes several jobs');
    assert.deepEqual(complete('hb tick backup '), [], 'tick takes one');
    assert.deepEqual(complete('hb daemon st').sort(), ['start', 'status', 'stop']);
    assert.deepEqual(complete('hb wrap --job s'), ['sync']);
    assert.deepEqual(complete(`hb --state-dir '${spaced}' status `), ['elsewhere', 'report-mail']);
    assert.deepEqual(complete(`hb status --state-dir=${spaced.replace(/ /g, '\\ ')} `), ['elsewhere', 'report-mail']);
    assert.deepEqual(complete('hb --config a\\ d'), ['a dir/']);
    assert.deepEqual(complete('hb doctor --crontab no'), ['notes.txt']);
    assert.ok(complete('hb wrap -- ech').includes('echo'), 'the wrapped command completes as a command');
    assert.deepEqual(complete('hb wrap --job x mytool --col'), ['--colour'], "then with that command's own completions");
    assert.deepEqual(complete('hb wrap -- mytool --col'), ['--colour']);
    assert.ok(complete('hb log -').includes('--since'));
    assert.deepEqual(complete('hb completion ').sort(), ['bash', 'fish', 'zsh']);
    assert.deepEqual(complete('hb next @daily --tz Europe/Berl'), ['Europe/Berlin'], 'time zones, from the zone files');
  } finally {
    s.cleanup();
  }
});

test('zsh: the script installed on $fpath as _hb, loaded by compinit, completes what bash and fish do', (t) => {
  if (!requireTool(t, 'zsh')) return;
  const { s, env, spaced, work } = place();
  try {
    const fpathDir = join(s.root, 'zfunc');
    mkdirSync(fpathDir);
    script('zsh', env, fpathDir, '_hb');
    const out = join(s.root, 'zsh-out');
    const lines = [
      'hb ',
      'hb st',
      'hb check --fo',
      'hb check --format ',
      'hb check --format=pro',
      'hb status ',
      'hb pause ba',
      'hb status backup s',
      'hb daemon st',
      'hb wrap --job s',
      `hb --state-dir '${spaced}' status `,
      'hb --config a\\ d',
      'hb wrap -- ech',
      'hb wrap --job x mytool --col',
      'hb completion ',
      'hb next @daily --tz Europe/Berl',
    ];
    // A command with a completion of its own, to be completed after hb wrap.
    const setup = "_mytool() { _arguments '--colour[a flag of mytool]' }; compdef _mytool mytool";
    run('zsh', ['-f', fixture('zsh-complete.zsh'), fpathDir, out, setup, ...lines], { ...env, TERM: 'dumb' }, work);
    const got = (line: string) => [
      ...new Set(
        readFileSync(`${out}.${lines.indexOf(line) + 1}`, 'utf8')
          .split('\n')
          .filter(Boolean),
      ),
    ];
    assert.deepEqual(got('hb ').sort(), listedCommands().sort(), 'every command from the empty word');
    assert.deepEqual(got('hb st'), ['status']);
    assert.deepEqual(got('hb check --fo'), ['--format']);
    assert.deepEqual(got('hb check --format ').sort(), ['json', 'nagios', 'prometheus', 'text']);
    assert.deepEqual(got('hb check --format=pro'), ['prometheus']);
    assert.deepEqual(got('hb status '), ['backup', 'report-mail', 'sync']);
    assert.deepEqual(got('hb pause ba'), ['backup']);
    assert.deepEqual(got('hb status backup s'), ['sync'], 'status takes several jobs');
    assert.deepEqual(got('hb daemon st').sort(), ['start', 'status', 'stop']);
    assert.deepEqual(got('hb wrap --job s'), ['sync']);
    assert.deepEqual(got(`hb --state-dir '${spaced}' status `), ['elsewhere', 'report-mail']);
    assert.deepEqual(got('hb --config a\\ d'), ['a\\ dir']);
    assert.ok(got('hb wrap -- ech').includes('echo'), 'the wrapped command completes as a command');
    assert.deepEqual(got('hb wrap --job x mytool --col'), ['--colour'], "then with that command's own completions");
    assert.deepEqual(got('hb completion ').sort(), ['bash', 'fish', 'zsh']);
    assert.deepEqual(got('hb next @daily --tz Europe/Berl'), ['Berlin'], "time zones, through zsh's _time_zone");

    // Sourced after compinit instead, as the script's own comment offers.
    const sourced = script('zsh', env, s.root, 'hb.zsh');
    const empty = join(s.root, 'empty-fpath');
    mkdirSync(empty);
    run('zsh', ['-f', fixture('zsh-complete.zsh'), empty, `${out}-sourced`, `source ${sourced}`, 'hb st', 'hb status '], { ...env, TERM: 'dumb' }, work);
    assert.equal(readFileSync(`${out}-sourced.1`, 'utf8'), 'status\n');
    assert.equal(readFileSync(`${out}-sourced.2`, 'utf8'), 'backup\nreport-mail\nsync\n');
  } finally {
    s.cleanup();
  }
});
