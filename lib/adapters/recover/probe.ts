// Acting on the world for recovery: asking whether a job is healthy (its heartbeat, a command, a
// URL) and running its restart command, each bounded by a timeout.

import { Writable } from 'node:stream';
import { formatDuration } from '../../rules/duration.ts';
import { runChild } from '../run/child.ts';
import { probePidFile } from './pid-file.ts';
import type { RecoverPolicy } from '../../rules/recover/types.ts';

/** A health answer; null when it could not be asked (nothing is done on an unknown). */
export interface ProbeResult {
  healthy: boolean | null;
  reason: string;
  output_tail?: string;
}

/** What a probe needs from its caller. */
export interface ProbeContext {
  env: NodeJS.ProcessEnv;
  /** hb's own verdict on the job, used when `health` is the heartbeat. */
  heartbeat?: { healthy: boolean | null; reason: string };
  /** Wait between TERM and KILL for a command that overstays (default 2 s). */
  killAfterMs?: number;
  tailBytes?: number;
  fetch?: typeof fetch;
}

/** How a restart command ended. */
export interface RestartResult {
  /** As a shell reports it: the exit code, 128+n for signal n, 127/126 when it could not start. */
  exit_code: number;
  signal: string | null;
  output_tail: string;
  timed_out: boolean;
  duration_ms: number;
  spawn_error: string | null;
}

/** Asks whether the job is healthy by its policy's `health` check, within its `timeout`. */
export function probeHealth(policy: Pick<RecoverPolicy, 'health' | 'timeoutMs'>, ctx: ProbeContext): Promise<ProbeResult> {
  const { health, timeoutMs } = policy;
  if (health.kind === 'url') return probeUrl(health.url, timeoutMs, ctx.fetch ?? fetch);
  if (health.kind === 'command') return probeCommand(health.command, timeoutMs, ctx);
  if (health.kind === 'pid_file') return Promise.resolve(probePidFile(health.path));
  const hb = ctx.heartbeat ?? { healthy: null, reason: 'no heartbeat verdict given' };
  return Promise.resolve({ healthy: hb.healthy, reason: `heartbeat: ${hb.reason}` });
}

/** Runs `command` through /bin/sh -c in its own process group: exit 0 is healthy. */
export async function probeCommand(command: string, timeoutMs: number, ctx: ProbeContext): Promise<ProbeResult> {
  const r = await runChild({
    command,
    env: ctx.env,
    tailBytes: ctx.tailBytes ?? 2048,
    timeoutMs,
    killAfterMs: ctx.killAfterMs ?? 2000,
    stdout: discard(),
    stderr: discard(),
  });
  const output_tail = r.tail;
  if (r.spawnError) return { healthy: null, reason: `health command could not start: ${r.spawnError.message}` };
  if (r.timedOut) return { healthy: false, reason: `health command timed out after ${formatDuration(timeoutMs)}`, output_tail };
  if (r.code === 0) return { healthy: true, reason: 'health command exited 0', output_tail };
  const how = r.signal ? `was killed by ${r.signal}` : `exited ${r.code}`;
  return { healthy: false, reason: `health command ${how}`, output_tail };
}

/** GETs `url`: a 2xx answer within `timeoutMs` is healthy. Reasons name the URL without its credentials or query. */
export async function probeUrl(url: string, timeoutMs: number, fetchImpl: typeof fetch = fetch): Promise<ProbeResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { healthy: null, reason: 'health URL does not parse' };
  }
  const user = decode(target.username);
  const password = decode(target.password);
  const secrets = [target.username, target.password, user, password].filter((s) => s.length >= 3);
  const headers: Record<string, string> = {};
  if (target.username || target.password) {
    // fetch refuses credentials in a URL: send them as Basic auth, as curl would.
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  const label = `GET ${target.protocol}//${target.host}${target.pathname}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    // Redirects are not followed: a health URL answers for itself, and credentials never travel on.
    const res = await fetchImpl(target, { method: 'GET', headers, redirect: 'manual', signal: abort.signal });
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return { healthy: true, reason: `${label} answered ${res.status}` };
    const note = res.status >= 300 && res.status < 400 ? ' (a redirect, not followed: point health at the final URL)' : '';
    return { healthy: false, reason: `${label} answered ${res.status}${note}` };
  } catch (e) {
    if (abort.signal.aborted) return { healthy: false, reason: `${label} did not answer within ${formatDuration(timeoutMs)}` };
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    let why = cause?.code ?? cause?.message ?? (e as Error).message;
    for (const s of secrets) why = why.split(s).join('***');
    return { healthy: false, reason: `${label} failed: ${why}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a restart command in its own process group; on timeout the group gets TERM, then KILL. */
export async function runRestart(
  command: string | readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
  opts: { killAfterMs?: number; tailBytes?: number; cwd?: string; now?: () => number } = {},
): Promise<RestartResult> {
  const r = await runChild({
    command,
    env,
    cwd: opts.cwd,
    tailBytes: opts.tailBytes ?? 4096,
    timeoutMs,
    killAfterMs: opts.killAfterMs ?? 5000,
    group: true,
    stdout: discard(),
    stderr: discard(),
    now: opts.now,
  });
  return {
    exit_code: r.code,
    signal: r.signal,
    output_tail: r.tail,
    timed_out: r.timedOut,
    duration_ms: r.durationMs,
    spawn_error: r.spawnError?.message ?? null,
  };
}

/** A target that drops what it is given: the tail is all recovery keeps of a command's output. */
function discard(): Writable {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
