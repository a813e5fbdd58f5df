// The effects the check pipeline takes from outside, as one object: bin/effects.ts builds the
// real one from the process, tests a fake clock and sleep. State directories stay real files.

import type { DeliveryEffects } from '../adapters/alerts/delivery.ts';

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
