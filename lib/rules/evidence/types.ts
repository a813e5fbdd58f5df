// What hb check found out about why a job missed its run: evidence items, their weight, and the
// order they are shown in (the most likely cause first).

/** Every kind of evidence hb gathers for a job that is a problem (docs/evidence.md has one section each). */
export type EvidenceKind =
  /** A job this one `needs:` is itself a problem (the root cause its incident is folded into). */
  | 'dependency'
  /** A precondition of `needs:` (mount, path, tcp, command) fails at check time. */
  | 'precondition'
  /** Whether a cron daemon runs, and since when. */
  | 'cron_daemon'
  /** The crontab line that runs the job: present, removed, commented out, in a file cron ignores. */
  | 'crontab_line'
  /** The host was down (booted after the due time) or asleep (suspend seen in the clocks). */
  | 'host_down'
  /** A lock the job takes is held by a live process (a hung run) or was left by a dead one. */
  | 'lock'
  /** Cron's own log line for the job around the due time: it ran, or it did not. */
  | 'cron_log'
  /** Heartbeats for the job written elsewhere: another state directory, the fallback, another user. */
  | 'elsewhere';

/**
 * How much an item explains the missed run:
 * - `cause`: it explains it on its own (no cron daemon; the line is gone);
 * - `clue`: it may explain it, or narrows the search (cron ran the command, no heartbeat followed);
 * - `clear`: it rules a cause out (cron runs; the line is present).
 */
export type EvidenceWeight = 'cause' | 'clue' | 'clear';

/** One finding about a job that missed its run. Part of the JSON contract (`evidence` in docs/cli.md). */
export interface Evidence {
  kind: EvidenceKind;
  weight: EvidenceWeight;
  /** One line a person can act on, without the job's name: "no cron daemon is running (cron stopped 12:02)". */
  text: string;
  /** Machine-readable facts of this kind (ISO times, paths, pids), documented per kind in docs/evidence.md. */
  facts: Record<string, string | number | boolean | null>;
}

/** When a job's incident is folded into another problem: the job or precondition at the root, and why. */
export interface RootCause {
  /** The job at the root (`dump`), or null when the root is a precondition. */
  job: string | null;
  /** What `needs:` entry led there, as written: `job:dump`, `mount:/mnt/backup`. */
  need: string;
  /** One line: "dump failed 2h ago". */
  text: string;
}

const WEIGHT_RANK: Record<EvidenceWeight, number> = { cause: 0, clue: 1, clear: 2 };

/** Within one weight, the order kinds are named in: the most basic cause first. */
const KIND_RANK: Record<EvidenceKind, number> = {
  dependency: 0,
  precondition: 1,
  host_down: 2,
  cron_daemon: 3,
  crontab_line: 4,
  lock: 5,
  cron_log: 6,
  elsewhere: 7,
};

/** The evidence in the order it is shown: causes, then clues, then what was ruled out; stable within a kind. */
export function rankEvidence(items: readonly Evidence[]): Evidence[] {
  return items
    .map((e, i) => ({ e, i }))
    .sort((a, b) => WEIGHT_RANK[a.e.weight] - WEIGHT_RANK[b.e.weight] || KIND_RANK[a.e.kind] - KIND_RANK[b.e.kind] || a.i - b.i)
    .map(({ e }) => e);
}

/** The most likely cause: the first ranked item that is not a ruled-out cause, or null. */
export function likelyCause(ranked: readonly Evidence[]): Evidence | null {
  const first = ranked[0];
  return first && first.weight !== 'clear' ? first : null;
}
