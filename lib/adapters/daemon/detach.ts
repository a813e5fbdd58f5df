// `hb daemon start --detach`: start the daemon again in its own session with stdio to a log
// file, and wait until it has written its PID file (or failed).

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { readPidFile } from './pid-file.ts';
import { STATE_FILE_MODE } from '../../rules/fs/modes.ts';

/** How to start the background daemon and where to see it. */
export interface DetachRequest {
  execPath: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logPath: string;
  pidFile: string;
  waitMs: number;
  now(): number;
}

/** The outcome: running (PID file written), ended first (with what it logged), or silent too long. */
export type DetachResult =
  { kind: 'started'; pid: number } | { kind: 'exited'; code: number | null; error: string | null; said: string } | { kind: 'timeout'; pid: number };

/** Starts the daemon in the background and waits for its PID file. */
export async function startDetached(r: DetachRequest): Promise<DetachResult> {
  let offset = 0;
  try {
    offset = statSync(r.logPath).size;
  } catch {
    // A new log.
  }
  const fd = openSync(r.logPath, 'a', STATE_FILE_MODE);
  const child = spawn(r.execPath, r.argv, { detached: true, stdio: ['ignore', fd, fd], env: r.env, cwd: r.cwd });
  closeSync(fd);
  let ended: { code: number | null; error: string | null } | null = null;
  child.on('exit', (code) => (ended = { code, error: null }));
  child.on('error', (e) => (ended = { code: null, error: e.message }));
  const deadline = r.now() + r.waitMs;
  for (;;) {
    const read = readPidFile(r.pidFile);
    if (read.kind === 'pid' && read.pid === child.pid) {
      child.unref();
      return { kind: 'started', pid: child.pid };
    }
    const end = ended as { code: number | null; error: string | null } | null;
    if (end) return { kind: 'exited', ...end, said: readFileSync(r.logPath, 'utf8').slice(offset) };
    if (r.now() > deadline) {
      child.unref();
      return { kind: 'timeout', pid: child.pid ?? 0 };
    }
    await new Promise((done) => setTimeout(done, 25));
  }
}
