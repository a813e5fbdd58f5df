// The one place that touches the process: output, TTY and colour, environment, clock, identity.
import { hostname } from 'node:os';
import { blockingWriter } from '../lib/adapters/fs/blocking-out.ts';
import { hostZone } from '../lib/adapters/schedule/host-zone.ts';

/** What a command may use from the outside world; tests build their own. */
export interface Io {
  /** Writes to stdout; false (from the real one) once the reader has gone. */
  out(text: string): boolean | void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  now(): number;
  isTTY: boolean;
  color: boolean;
  cwd: string;
  host: string;
  pid: number;
  isRoot: boolean;
  homedir: string;
  /** The host's IANA zone (cron evaluates schedules without CRON_TZ in it); computed on demand. */
  localTz(): string;
}

/** Builds the real Io from the running process; `noColor` comes from --no-color. */
export function processIo(noColor: boolean): Io {
  const env = process.env;
  // A reader that goes away (`hb status | head -1`) is not an error: the rest of the output is
  // dropped and the command finishes its work (a check still sends its alerts).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    // Written through before it returns: a reader slower than hb (`hb report | gzip`) holds hb
    // back instead of making it queue the whole output in memory.
    out: blockingWriter(1),
    err: (text) => void process.stderr.write(text),
    env,
    now: () => Date.now(),
    isTTY,
    color: isTTY && !noColor && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    cwd: process.cwd(),
    host: hostname(),
    pid: process.pid,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    homedir: env.HOME || '/',
    localTz: () => hostZone(env.TZ),
  };
}
