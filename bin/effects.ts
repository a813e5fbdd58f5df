// The real effects the check pipeline and delivery (for runs too) take as one object, built from the process's Io.

import type { DeliveryEffects } from '../lib/adapters/alerts/delivery.ts';
import { processCheckEffects, type CheckEffects } from '../lib/check/effects.ts';
import { processExists } from '../lib/adapters/run/proc.ts';
import type { Io } from './io.ts';

/** Delivery's effects from the real process: its clock, environment and pid, and /proc for who is alive. */
export function deliveryEffects(io: Io): DeliveryEffects {
  return { now: io.now, env: io.env, pid: io.pid, isAlive: processExists };
}

/** The check pipeline's effects from the real process, its warnings on stderr. */
export function checkEffects(io: Io): CheckEffects {
  const { now, env, pid, host, isRoot, localTz } = io;
  return processCheckEffects({ now, env, pid, host, isRoot, localTz, warn: (line) => io.err(`${line}\n`) });
}
