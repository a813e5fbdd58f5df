// The one place errors become exit codes and stderr lines, for both the fast path and commander.

import type { Io } from './io.ts';

/**
 * An error that carries its own exit code. Checked by shape, not `instanceof`: the hot path and
 * the rest of the CLI are separate bundles, each with its own copy of lib/errors.ts.
 */
function exitCodeOf(e: unknown): number | null {
  return e instanceof Error && typeof (e as { exitCode?: unknown }).exitCode === 'number' ? (e as unknown as { exitCode: number }).exitCode : null;
}

/** Prints the error for a person (or as Nagios UNKNOWN) and returns the exit code. An empty message means commander already said it. */
export function reportError(e: unknown, io: Io, nagios: boolean): number {
  const code = exitCodeOf(e);
  const message = code !== null ? (e as Error).message : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
  if (code === null && io.env.HB_DEBUG) io.err(`${(e as Error)?.stack ?? String(e)}\n`);
  if (nagios) {
    io.out(`HB UNKNOWN - ${(message || 'bad usage').split('\n')[0]}\n`);
    return 3;
  }
  if (message)
    io.err(
      message
        .split('\n')
        .map((line) => `hb: ${line}\n`)
        .join(''),
    );
  return code ?? 2;
}
