// The command tree flattened: every command with its path from the root, as each generator needs it.

import type { CompletionCommand, CompletionOption } from './model.ts';
import { optionNames } from './model.ts';

/** A command and the names leading to it from the root (`['hb', 'daemon', 'start']`). */
export interface Placed {
  path: readonly string[];
  command: CompletionCommand;
}

/** The root and every command under it, parents before their children. */
export function everyCommand(root: CompletionCommand): Placed[] {
  const out: Placed[] = [];
  const visit = (command: CompletionCommand, path: readonly string[]) => {
    out.push({ path, command });
    for (const sub of command.commands) visit(sub, [...path, sub.name]);
  };
  visit(root, [root.name]);
  return out;
}

/** The options whose value is worth passing to `hb completion --jobs`: the root's valued ones (--config, --state-dir). */
export function forwardedOptions(root: CompletionCommand): string[] {
  return root.options.filter((o) => o.value && o.long).map((o) => o.long!);
}

/** The option names of a command that take a value. */
export function valuedNames(options: readonly CompletionOption[]): string[] {
  return options.filter((o) => o.value).flatMap(optionNames);
}
