// Probes the preconditions of `needs:` at check time: is a mount point mounted, does a path exist,
// does a host:port accept a connection, does a command exit 0. Every probe is bounded by its own
// timeout and they run side by side, so the whole step takes at most the largest timeout.

import { spawn } from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Need } from '../../rules/needs/types.ts';
import type { ProbeOutcome } from '../../rules/needs/root-cause.ts';

/** How long a `tcp:` precondition may take to connect. */
export const TCP_TIMEOUT_MS = 2_000;
/** Bytes of a `command:` precondition's output kept for the message. */
const TAIL_BYTES = 512;

type Precondition = Exclude<Need, { kind: 'job' }>;

/** Probes each precondition once (concurrently); the outcome of each by its text. */
export async function probeNeeds(needs: readonly Precondition[], procRoot: string): Promise<Map<string, ProbeOutcome>> {
  let mounts: Set<string> | null | undefined;
  const mountPoints = () => (mounts === undefined ? (mounts = readMountPoints(procRoot)) : mounts);
  const outcomes = await Promise.all(
    needs.map(async (n): Promise<[string, ProbeOutcome]> => {
      switch (n.kind) {
        case 'mount':
          return [n.text, probeMount(n.path, mountPoints())];
        case 'path':
          return [n.text, probePath(n.path)];
        case 'tcp':
          return [n.text, await probeTcp(n.host, n.port, TCP_TIMEOUT_MS)];
        case 'command':
          return [n.text, await probeCommand(n.command, n.timeoutMs)];
      }
    }),
  );
  return new Map(outcomes);
}

/** The mount points of `procRoot/self/mountinfo` (the fifth field, octal escapes undone); null when it cannot be read. */
export function readMountPoints(procRoot: string): Set<string> | null {
  let text: string;
  try {
    text = readFileSync(join(procRoot, 'self', 'mountinfo'), 'utf8');
  } catch {
    return null;
  }
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field) points.add(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return points;
}

function probeMount(path: string, points: Set<string> | null): ProbeOutcome {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const exists = probePath(clean);
  return { kind: 'mount', mounted: points?.has(clean) === true, exists: exists.kind === 'path' && exists.exists };
}

function probePath(path: string): ProbeOutcome {
  try {
    lstatSync(path);
    return { kind: 'path', exists: true, error: null };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { kind: 'path', exists: false, error: code === 'ENOENT' || code === 'ENOTDIR' ? null : code };
  }
}

/** Connects to host:port and closes at once; ETIMEDOUT when no answer comes within `timeoutMs`. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (connected: boolean, error: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ kind: 'tcp', connected, error, timeoutMs });
    };
    const timer = setTimeout(() => done(false, 'ETIMEDOUT'), timeoutMs);
    socket.once('connect', () => done(true, null));
    socket.once('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
  });
}

/**
 * Runs `command` through /bin/sh -c with stdin closed, in a process group of its own, keeping the
 * tail of its output; on timeout the whole group is killed. Resolves when the shell exits, not
 * when every descendant has let go of the output pipe.
 */
export function probeCommand(command: string, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    let timedOut = false;
    let settled = false;
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const keep = (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > TAIL_BYTES) tail = tail.subarray(tail.length - TAIL_BYTES);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const finish = (o: Omit<Extract<ProbeOutcome, { kind: 'command' }>, 'kind' | 'tail' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ kind: 'command', tail: tail.toString('utf8'), timedOut, ...o });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => finish({ exitCode: null, signal: null, error: e.code ?? e.message }));
    child.once('exit', (code, signal) => {
      // A timed-out shell's children go with it: the group is killed once more in case the shell went first.
      if (timedOut) killGroup(child.pid);
      finish({ exitCode: code, signal: timedOut ? null : signal, error: null });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
