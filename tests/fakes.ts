// Stand-ins the in-process tests share: an Io that keeps what hb says, and fresh directories
// under one temporary root that goes when the test file ends.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Io } from '../bin/io.ts';
import { eventsIn } from '../lib/adapters/events/read.ts';
import type { HbEvent } from '../lib/rules/events/parse.ts';

/** An Io that keeps what is written and reaches nothing of the process; `dir` is its cwd and home. */
export function quietIo(dir = '/'): Io & { said: string[] } {
  const said: string[] = [];
  return {
    said,
    out: (t) => void said.push(t),
    err: (t) => void said.push(t),
    env: {},
    now: () => 0,
    isTTY: false,
    color: false,
    cwd: dir,
    host: 'h',
    pid: 1,
    isRoot: false,
    homedir: dir,
    localTz: () => 'UTC',
  };
}

/** A maker of new empty directories, all under one temporary root named by `prefix`, removed after the file's tests. */
export function tempDirs(prefix: string): () => string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return () => {
    const dir = join(root, `t${n++}`);
    mkdirSync(dir);
    return dir;
  };
}

/**
 * A directory's whole event log in memory, oldest first, read through the streaming reader hb
 * report and hb log use: bad lines are skipped and counted, and so is a file over the read cap.
 */
export function readEvents(dir: string): { events: HbEvent[]; skipped: number } {
  const counts = { skipped: 0 };
  const events = [...eventsIn(dir, counts)];
  return { events, skipped: counts.skipped };
}
