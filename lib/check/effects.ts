// The effects the check pipeline takes from outside, as one object: processCheckEffects builds the
// real one (for the command line and the Node API), tests a fake clock and sleep. State
// directories stay real files.

import type { DeliveryEffects } from '../adapters/alerts/delivery.ts';
import { processExists } from '../adapters/run/proc.ts';

/** Everything a check takes from outside but its files: clock, waiting, ids, who and where it runs, where warnings go. */
export interface CheckEffects extends DeliveryEffects {
  /** Waits (recovery's settle time before it verifies a restart). */
  sleep(ms: number): Promise<void>;
  /** A fresh unique id (incidents, notifications). */
  newId(): string;
  host: string;
  isRoot: boolean;
  /** The node binary that reads and restores a guarded file as its owner when hb runs as root. */
  execPath: string;
  /** The time-zone database version: cron due times remembered under another one are recomputed. */
  tzData: string;
  /** The host's IANA zone, for a cron job stored without one; asked only when needed. */
  localTz(): string;
  /** One line for stderr (without its newline). */
  warn(line: string): void;
}

/** What a check takes from the process it runs in: its clock, environment, who and where it is, where warnings go. */
export interface CheckProcess {
  now(): number;
  env: NodeJS.ProcessEnv;
  pid: number;
  host: string;
  isRoot: boolean;
  localTz(): string;
  warn(line: string): void;
}

/** The check pipeline's effects in the real process `p`: /proc for who is alive, real waiting, random ids. */
export function processCheckEffects(p: CheckProcess): CheckEffects {
  return {
    now: p.now,
    env: p.env,
    pid: p.pid,
    isAlive: processExists,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    // The global Web Crypto, loaded on first use: a check that makes no id never loads node:crypto.
    newId: () => crypto.randomUUID(),
    host: p.host,
    isRoot: p.isRoot,
    execPath: process.execPath,
    tzData: process.versions.tz ?? '',
    localTz: p.localTz,
    warn: p.warn,
  };
}
