// The real effects the check pipeline and delivery (for runs too) take as one object, built from the process's Io.

import type { DeliveryEffects } from '../lib/adapters/alerts/delivery.ts';
import type { CheckEffects } from '../lib/check/effects.ts';
import { gatherFacts } from '../lib/adapters/run/proc.ts';
import type { Io } from './io.ts';

/** Delivery's effects from the real process: its clock, environment and pid, and /proc for who is alive. */
export function deliveryEffects(io: Io): DeliveryEffects {
  return { now: io.now, env: io.env, pid: io.pid, isAlive: (pid) => gatherFacts(pid).state !== null };
}

/** The check pipeline's effects from the real process: real waiting, random ids, warnings on stderr. */
export function checkEffects(io: Io): CheckEffects {
  return {
    ...deliveryEffects(io),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    // The global Web Crypto, loaded on first use: a check that makes no id never loads node:crypto.
    newId: () => crypto.randomUUID(),
    host: io.host,
    isRoot: io.isRoot,
    execPath: process.execPath,
    tzData: process.versions.tz ?? '',
    localTz: io.localTz,
    warn: (line) => io.err(`${line}\n`),
  };
}
