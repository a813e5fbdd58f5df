// The real effects lib/check takes as one object, built from the process's Io.

import type { DeliveryEffects } from '../lib/check/delivery.ts';
import { gatherFacts } from '../lib/run/proc.ts';
import type { Io } from './io.ts';

/** Delivery's effects from the real process: its clock, environment and pid, and /proc for who is alive. */
export function deliveryEffects(io: Io): DeliveryEffects {
  return { now: io.now, env: io.env, pid: io.pid, isAlive: (pid) => gatherFacts(pid).state !== null };
}
