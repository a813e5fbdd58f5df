// The two things recovery does to a guarded file — read it, replace it — as one self-contained
// function of (fs, request): it runs in hb's own process when hb may act itself, and as the
// source of a child process running as the user who controls the file otherwise, so that user's
// permissions, not root's, bound what it can read and write. It therefore uses nothing but its
// arguments and Node's globals, never follows a symbolic link, and never sets a setuid bit.

/** Read the file (at most `max` bytes), or replace it with `content` and `mode`. */
export type GuardedRequest = { op: 'read'; path: string; max: number } | { op: 'write'; path: string; content: Uint8Array; mode: number; keepOwner: boolean };

/** What was read (mode without setuid/setgid/sticky), that nothing is there, that it was written, or why not. */
export type GuardedReply = { content: Buffer; mode: number } | { missing: true } | { written: true } | { error: string; code: string | null };

/** Carries out `req` with `fs`; never throws for a file-system error, it answers with it. */
export function guardedIo(fs: typeof import('node:fs'), req: GuardedRequest): GuardedReply {
  const c = fs.constants;
  const codeOf = (e: unknown): string | null => (e as NodeJS.ErrnoException).code ?? null;
  const fail = (error: string, code: string | null): GuardedReply => ({ error, code });
  if (req.op === 'read') {
    let fd: number;
    try {
      // Not following a link, not blocking on a FIFO, not taking a terminal.
      fd = fs.openSync(req.path, c.O_RDONLY | c.O_NOFOLLOW | c.O_NONBLOCK | c.O_NOCTTY);
    } catch (e) {
      const code = codeOf(e);
      if (code === 'ENOENT') return { missing: true };
      if (code === 'ELOOP') return fail('is a symbolic link: hb never follows a link at a guarded path', code);
      if (code === 'ENOTDIR') return fail('a parent of it is not a directory', code);
      if (code === 'EACCES') return fail('permission denied', code);
      return fail(`cannot open: ${code ?? (e as Error).message}`, code);
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) return fail('is a directory', 'EISDIR');
      if (!st.isFile()) return fail('not a regular file', 'ENOTREG');
      if (st.size > req.max) return fail(`too large to guard (${st.size} bytes, at most ${req.max})`, 'EFBIG');
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const chunk = Buffer.allocUnsafe(65536);
        const n = fs.readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        total += n;
        if (total > req.max) return fail(`too large to guard (over ${req.max} bytes)`, 'EFBIG');
        chunks.push(chunk.subarray(0, n));
      }
      return { content: Buffer.concat(chunks, total), mode: st.mode & 0o777 };
    } catch (e) {
      return fail(`cannot read: ${codeOf(e) ?? (e as Error).message}`, codeOf(e));
    } finally {
      fs.closeSync(fd);
    }
  }

  let old: { uid: number; gid: number } | null = null;
  try {
    const st = fs.lstatSync(req.path);
    if (st.isSymbolicLink()) return fail('is a symbolic link: hb never follows a link at a guarded path', 'ELOOP');
    if (!st.isFile()) return fail(`is ${st.isDirectory() ? 'a directory' : 'not a regular file'}: not overwritten`, 'EISDIR');
    old = { uid: st.uid, gid: st.gid };
  } catch (e) {
    const code = codeOf(e);
    if (code === 'EACCES') return fail('permission denied', code);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return fail(`cannot inspect: ${code ?? (e as Error).message}`, code);
  }
  const cut = req.path.lastIndexOf('/');
  const dir = req.path.slice(0, cut) || '/';
  // Hidden, unguessable, created exclusively: nothing planted under the name is ever opened.
  const tmp = `${dir}/.${req.path.slice(cut + 1)}.hb-${Math.random().toString(36).slice(2, 12)}.tmp`;
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, 0o600);
    for (let off = 0; off < req.content.length;) {
      const n = fs.writeSync(fd, req.content, off);
      if (n <= 0) throw Object.assign(new Error(`write made no progress after ${off} bytes`), { code: 'EIO' });
      off += n;
    }
    if (req.keepOwner && old) {
      try {
        fs.fchownSync(fd, old.uid, old.gid);
      } catch {
        // Not allowed: the file stays the writer's.
      }
    }
    // After chown; and never a setuid, setgid or sticky bit, whatever was asked.
    fs.fchmodSync(fd, req.mode & 0o777);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, req.path);
  } catch (e) {
    if (fd !== null) fs.closeSync(fd);
    try {
      fs.unlinkSync(tmp);
    } catch {
      // Never created, or already renamed.
    }
    const code = codeOf(e);
    if (code === 'ENOENT') return fail(`its directory ${dir} does not exist`, code);
    if (code === 'EACCES' || code === 'EPERM') return fail('permission denied', code);
    return fail((e as Error).message, code);
  }
  try {
    const dfd = fs.openSync(dir, c.O_RDONLY);
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // The rename happened; only its durability across a power loss is less certain.
  }
  return { written: true };
}
