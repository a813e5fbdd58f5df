// Runs a guarded read or write as whoever may do it: in hb's own process when hb is not root or
// root controls the file, else in a child process running as the user who controls it (its uid,
// its login group, no other groups), so that user gains nothing it could not do itself.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { guardedIo, type GuardedReply, type GuardedRequest } from './guarded-io.ts';

/** Who hb is, for acting on guarded files: whether it runs as root, the node binary a child runs, and how long one may take. */
export interface Acting {
  root: boolean;
  node: string;
  timeoutMs?: number;
}

/** Encoded contents cross the pipe as base64; a 16 MiB file stays well within this. */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/** Carries out `req` in this process or as `as` (a uid and gid), as `acting` allows. */
export function actAs(as: { uid: number; gid: number } | null, req: GuardedRequest, acting: Acting): GuardedReply {
  if (!acting.root || as === null || as.uid === 0) return guardedIo(fs, req);
  const script = [
    // tsx may wrap inner functions in __name(); a child has no such helper.
    'var __name = (f) => f;',
    "const fs = require('node:fs');",
    "const q = JSON.parse(fs.readFileSync(0, 'utf8'));",
    "if (q.content !== undefined) q.content = Buffer.from(q.content, 'base64');",
    `const r = (${guardedIo.toString()})(fs, q);`,
    "if (r.content) r.content = r.content.toString('base64');",
    'process.stdout.write(JSON.stringify(r));',
  ].join('\n');
  const input = JSON.stringify(req.op === 'write' ? { ...req, content: Buffer.from(req.content).toString('base64') } : req);
  const who = `uid ${as.uid}`;
  const r = spawnSync(acting.node, ['-e', script], {
    uid: as.uid,
    gid: as.gid,
    cwd: '/',
    env: {},
    input,
    encoding: 'utf8',
    maxBuffer: MAX_REPLY_BYTES,
    timeout: acting.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
  });
  if (r.error)
    return {
      error: `cannot act as ${who}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`,
      code: (r.error as NodeJS.ErrnoException).code ?? null,
    };
  if (r.status !== 0) return { error: `acting as ${who} failed (${r.signal ?? `exit ${r.status}`}): ${r.stderr.trim().split('\n').pop() ?? ''}`, code: null };
  try {
    const reply = JSON.parse(r.stdout) as GuardedReply | { content: string; mode: number };
    if ('content' in reply && typeof reply.content === 'string') return { content: Buffer.from(reply.content, 'base64'), mode: reply.mode & 0o777 };
    return reply as GuardedReply;
  } catch {
    return { error: `acting as ${who} gave no answer hb could read`, code: null };
  }
}
