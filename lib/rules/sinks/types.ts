// What every notification sink implements, and the notification it is handed.

import type { JobStatus } from '../health/types.ts';
import type { Evidence, RootCause } from '../evidence/types.ts';

/** Why a notification is sent. */
export type NotificationType = 'alert' | 'remind' | 'resolve' | 'message' | 'run_start' | 'run_end' | 'escalate' | 'late';

/** One notification, the same JSON for every sink (a command sink gets it on stdin, a webhook as its body). */
export interface Notification {
  v: 1;
  /** Unique per notification; also the idempotency key a receiver can use. */
  id: string;
  type: NotificationType;
  job: string;
  host: string;
  /** The job's status now (`ok` on a resolve). */
  status: JobStatus;
  problem: boolean;
  /** One line a person can act on (from hb check), or the text of `hb tick --notify`. */
  message: string;
  /** A short title: `[hb] backup stale`, `[hb] backup recovered`. */
  title: string;
  /**
   * The incident this belongs to (alert, remind, escalate, resolve); null for messages, late notices
   * and run pings. `escalated`: how many escalation steps were sent, this one included (absent: none).
   */
  incident: { id: string; opened_at: string; status: JobStatus; reminders: number; escalated?: number } | null;
  ts: string;
  /**
   * Why the job missed its run, on an alert, a reminder and an escalation (absent on the other types): the
   * evidence hb check found, most likely first, at most 10 items; [] when it found none.
   */
  evidence?: Evidence[];
  /** The same in one line, as `hb check` prints it under the reason (ruled-out causes left out); null when none. */
  cause?: string | null;
  /** The problem this job's incident is folded into (a job it `needs:`); null when none. */
  root_cause?: RootCause | null;
  /** On an `escalate`: which step (from 1) and after how long open (seconds) it is due. */
  escalation?: { step: number; after_s: number };
  /** On a `late` notice: when the job was due, and when it turns stale unless it runs (ISO 8601 UTC). */
  late?: { due: string; stale_at: string };
  /** Facts about the last run, when there is one. `output_tail` is bounded (at most 4 KiB). */
  run?: {
    run_id?: string;
    cycle?: number;
    exit_code?: number | null;
    signal?: string | null;
    started_at?: string;
    finished_at?: string;
    duration_ms?: number;
    /** What hb made of the run (ok, warning, slow, suspicious, failed), when the record says. */
    outcome?: string;
    /** Why that outcome is not ok, when there is a reason (the message carries it too). */
    reason?: string;
    output_tail?: string | null;
  };
}

/** What a sink remembers per incident between deliveries (e.g. the tracker issue it opened). */
export type SinkMemo = Record<string, unknown>;

/** Outside facts a sink may use; injected so tests control them. */
export interface SinkContext {
  env: NodeJS.ProcessEnv;
  now(): number;
  /** Reads a secret file (token_file); throws when unreadable. */
  readFile(path: string): string;
}

/** A configured sink, ready to deliver. */
export interface Sink {
  /** `webhook`, `telegram`, … */
  kind: string;
  /** A stable label for logs and outbox files, never containing a secret (e.g. `webhook#0 hooks.example.net`). */
  label: string;
  /**
   * Delivers one notification. `memo` is what this sink returned for earlier notifications of the
   * same incident (null for the first). Resolves with the memo to keep (or void). Rejects with a
   * SinkError; a retryable one is tried again later.
   */
  deliver(n: Notification, memo: SinkMemo | null): Promise<SinkMemo | void>;
}

/** A delivery failure. `retryable`: a timeout, a connection error, 408, 429 or 5xx. */
export class SinkError extends Error {
  readonly retryable: boolean;
  readonly status: number | null;
  constructor(message: string, retryable: boolean, status: number | null = null) {
    super(message);
    this.name = 'SinkError';
    this.retryable = retryable;
    this.status = status;
  }
}
