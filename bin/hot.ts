// Runs a parsed tick, wrap or check command line: the one dispatch the fast path and commander share.

import type { Io } from './io.ts';
import type { FastCommand } from './options.ts';

/** What runs a parsed hot command and returns its exit code; tests pass their own to see what was parsed. */
export type HotRunner = (parsed: FastCommand, io: Io) => Promise<number>;

/** Loads the command's module (only that one) and runs it with the parsed operands and options. */
export const runHot: HotRunner = async ({ command, operands, options }, io) => {
  if (command === 'tick') {
    const { runTick } = await import('./commands/tick.ts');
    return runTick(operands[0]!, options, io);
  }
  if (command === 'wrap') {
    const { runWrap } = await import('./commands/wrap.ts');
    return runWrap(operands, options, io);
  }
  const { runCheck } = await import('./commands/check.ts');
  return runCheck(operands, options, io);
};
