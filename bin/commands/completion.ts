// `hb completion SHELL`: a completion script made from the commander program itself, so a new
// command or option completes with no change here; `--jobs` lists job names for those scripts.

import type { Command, Help, Option } from 'commander';
import { basename } from 'node:path';
import { listNames } from '../../lib/adapters/fs/quiet.ts';
import { bashScript } from '../../lib/rules/completion/bash.ts';
import { fishScript } from '../../lib/rules/completion/fish.ts';
import {
  jobNamesFrom,
  operandKind,
  optionValueKind,
  SHELLS,
  type CompletionCommand,
  type CompletionOption,
  type Shell,
} from '../../lib/rules/completion/model.ts';
import { zshScript } from '../../lib/rules/completion/zsh.ts';
import { UsageError } from '../../lib/rules/errors.ts';
import { loadContext, stateDirFor, type GlobalOptions } from '../context.ts';
import type { Io } from '../io.ts';

const SCRIPTS: Record<Shell, (root: CompletionCommand) => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };

interface CompletionOptions extends GlobalOptions {
  jobs?: boolean;
}

/** Runs `hb completion [SHELL] [--jobs]` for the program `program` and returns its exit code. */
export async function runCompletion(shell: string | undefined, opts: CompletionOptions, program: Command, io: Io): Promise<number> {
  if (opts.jobs) {
    if (shell !== undefined) throw new UsageError(`completion: --jobs takes no shell, found "${shell}"`);
    for (const name of await jobNames(opts, io)) io.out(`${name}\n`);
    return 0;
  }
  if (shell === undefined) throw new UsageError(`completion: a shell is needed: expected ${SHELLS.join(', ')}`);
  io.out(SCRIPTS[shell as Shell](describeProgram(program)));
  return 0;
}

/**
 * The jobs a person may mean: those with a heartbeat or a running marker in the state directory,
 * and those the config names. Reads only; a config that cannot be read leaves its jobs out.
 */
async function jobNames(opts: CompletionOptions, io: Io): Promise<string[]> {
  let configured: Iterable<string> = [];
  let stateDir: string;
  try {
    const { config, state } = await loadContext(opts, io);
    configured = config.jobs.keys();
    stateDir = state.dir;
  } catch {
    const { emptyConfig } = await import('../../lib/rules/config/types.ts');
    stateDir = stateDirFor(emptyConfig(), opts, io).dir;
  }
  return jobNamesFrom(listNames(stateDir), configured);
}

/** The commander program as the data the script generators read: what --help lists, hidden options left out. */
export function describeProgram(program: Command): CompletionCommand {
  const help = program.createHelp();
  return describe(program, help, null);
}

function describe(cmd: Command, help: Help, parent: Command | null): CompletionCommand {
  const visible = help.visibleCommands(cmd);
  const names = visible.map((c) => c.name());
  // Commander's own help command is in no list of commands: it names a command of its parent.
  const subcommands = parent && !parent.commands.includes(cmd) ? help.visibleCommands(parent).map((c) => c.name()) : names;
  return {
    name: parent ? cmd.name() : basename(cmd.name()),
    help: cmd.description(),
    options: help.visibleOptions(cmd).map(describeOption),
    operands: cmd.registeredArguments.map((a) => {
      const choices = a.argChoices ?? [];
      const kind = operandKind(a.name(), a.variadic, choices);
      if (kind !== 'subcommand') return { name: a.name(), kind, choices, variadic: a.variadic, required: a.required };
      // `hb daemon [subcommand]`: its subcommands are offered as commands already.
      if (names.length > 0) return { name: a.name(), kind: 'none' as const, choices: [], variadic: a.variadic, required: a.required };
      return { name: a.name(), kind: 'choices' as const, choices: subcommands.filter((n) => n !== 'help'), variadic: a.variadic, required: a.required };
    }),
    commands: visible.map((c) => describe(c, help, cmd)),
  };
}

function describeOption(o: Option): CompletionOption {
  const described: CompletionOption = { help: o.description };
  if (o.short) described.short = o.short;
  if (o.long) described.long = o.long;
  if (o.required || o.optional) {
    const valueName = /[<[]([^>\]]+?)(?:\.\.\.)?[>\]]/.exec(o.flags)?.[1] ?? 'value';
    const choices = o.argChoices ?? [];
    described.value = { name: valueName, kind: optionValueKind(o.long, valueName, choices), choices, variadic: o.variadic };
  }
  return described;
}
