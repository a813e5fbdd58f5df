// Asks the real shell whether it can read crontab commands, as cron hands them over
// (`SHELL -c COMMAND`) but with -n: read, never run. Many commands go to one small driver process
// (a fixed loop that starts `SHELL -n -c` for each), batches run side by side, each under a time
// limit; a batch that runs out of time leaves its commands unchecked.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';

/** One command to check, with the shell cron would start it with. */
export interface SyntaxCheck {
  shell: string;
  command: string;
}

/** A command's verdict: the shell's error, null when it reads cleanly, undefined when not checked. */
export type SyntaxVerdicts = (shell: string, command: string) => string | null | undefined;

/** Limits: commands per driver, bytes per driver, time per driver, distinct commands in all. */
export interface SyntaxLimits {
  batch: number;
  bytes: number;
  timeoutMs: number;
  total: number;
}

export const SYNTAX_LIMITS: SyntaxLimits = { batch: 100, bytes: 256 * 1024, timeoutMs: 10_000, total: 5_000 };

// $0 is the shell to ask, $1 the marker that ends each verdict; the commands follow. Their text is
// only ever an argument of `-n -c`.
const DRIVER = 'm=$1; shift; for c do "$0" -n -c "$c" 2>&1 </dev/null; printf "\\n%s %s\\n" "$m" "$?"; done';
// The checked shell gets no variables of ours (no BASH_ENV, no ENV to source) and speaks C.
const ENV = { PATH: '/usr/bin:/bin', LC_ALL: 'C' };

const key = (shell: string, command: string) => `${shell}\0${command}`;

/** The verdicts of `checks` (duplicates asked once; past `limits.total`, unchecked). */
export async function checkSyntax(checks: readonly SyntaxCheck[], limits: SyntaxLimits = SYNTAX_LIMITS): Promise<SyntaxVerdicts> {
  const verdicts = new Map<string, string | null>();
  const distinct = new Map<string, SyntaxCheck>();
  for (const c of checks) if (distinct.size < limits.total) distinct.set(key(c.shell, c.command), c);
  const batches: SyntaxCheck[][] = [];
  let open: SyntaxCheck[] = [];
  let bytes = 0;
  for (const c of [...distinct.values()].sort((a, b) => a.shell.localeCompare(b.shell))) {
    const size = Buffer.byteLength(c.command) + 1;
    if (size > limits.bytes) continue;
    if (open.length > 0 && (open.length >= limits.batch || bytes + size > limits.bytes || open[0]!.shell !== c.shell)) {
      batches.push(open);
      [open, bytes] = [[], 0];
    }
    open.push(c);
    bytes += size;
  }
  if (open.length > 0) batches.push(open);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const said = await runBatch(batch, limits.timeoutMs);
      said.forEach((v, i) => v !== undefined && verdicts.set(key(batch[i]!.shell, batch[i]!.command), v));
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), batches.length) }, worker));
  return (shell, command) => verdicts.get(key(shell, command));
}

// The verdicts of one batch, in order; fewer than asked when the driver was stopped.
function runBatch(batch: SyntaxCheck[], timeoutMs: number): Promise<Array<string | null | undefined>> {
  const marker = `hb-${randomUUID()}`;
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', DRIVER, batch[0]!.shell, marker, ...batch.map((c) => c.command)], {
      env: ENV,
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      const said: Array<string | null | undefined> = [];
      const each = new RegExp(`([^]*?)\\n${marker} (\\d+)\\n`, 'g');
      // 1 or 2: the shell read the command and refused it; anything else says nothing about it.
      for (const m of out.matchAll(each)) said.push(m[2] === '0' ? null : m[2] === '1' || m[2] === '2' ? firstLine(m[1]!) : undefined);
      resolve(said.slice(0, batch.length));
    };
    child.on('error', done);
    child.on('close', done);
  });
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]!.trim();
  return line === '' ? 'the shell refuses it without saying why' : line;
}
