// The events hb writes to events.jsonl: one interface per `type`, one constructor per type.

/** Fields every event carries, in the order they are written. */
interface Base<T extends string> {
  ts: string;
  job: string;
  type: T;
}

/** A file hb saved in a known-good snapshot. */
export interface SnapshotFile {
  path: string;
  sha256: string;
}

/** A file hb would not snapshot, and why. */
export interface RefusedFile {
  path: string;
  reason: string;
}

/** A file hb put back from a snapshot: its hash before and after. */
export interface RolledFile {
  path: string;
  old_hash: string | null;
  new_hash: string;
}

/** A run began; `unlocked` says why it runs without the lock it asked for. */
export interface RunStarted extends Base<'run_started'> {
  cycle: number;
  pid: number;
  unlocked?: string;
}
/** A run ended (or a ping arrived, `ping: true`). */
export interface RunFinished extends Base<'run_finished'> {
  cycle: number;
  status: string;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number;
  /** What hb made of the run (ok, warning, slow, suspicious, failed); absent in lines of an older hb. */
  outcome?: string;
  /** Why the outcome is not ok, in one line; only when there is one. */
  reason?: string;
  ping?: true;
}
/** A run left a marker but no heartbeat: it died. */
export interface CrashDetected extends Base<'crash_detected'> {
  cycle: number;
  pid: number;
  started_at: string;
  reason: string;
}
/** A run was stopped by --timeout (logged before its run_finished). */
export interface Timeout extends Base<'timeout'> {
  cycle: number;
  timeout_ms: number | undefined;
  exit_code: number | null;
}
/** A run was not started because the previous one still holds the lock. */
export interface OverlapSkipped extends Base<'overlap_skipped'> {
  holder_pid: number | null;
  holder_started_at: string | null;
  by?: 'daemon';
}
/** Fields of the three alert events. */
interface AlertFields {
  incident: string;
  status: string;
  reason: string;
}
/** An incident opened. */
export interface AlertOpened extends Base<'alert_opened'>, AlertFields {}
/** An open incident was reminded about. */
export interface AlertReminded extends Base<'alert_reminded'>, AlertFields {}
/** An open incident reached an escalation step's sinks; `step` counts from 1. */
export interface AlertEscalated extends Base<'alert_escalated'>, AlertFields {
  step: number;
}
/** An incident closed. */
export interface AlertResolved extends Base<'alert_resolved'>, AlertFields {}
/** A notification could not be delivered to a sink. */
export interface NotifyFailed extends Base<'notify_failed'> {
  sink: string;
  kind: string;
  notification: string;
  incident: string | null;
  attempts: number;
  error: string;
  will_retry: boolean;
}
/** The job was paused, until a time or (null) until hb resume. */
export interface Paused extends Base<'paused'> {
  until: string | null;
}
/** The job was resumed. */
export type Resumed = Base<'resumed'>;
/** The job's state files were removed. */
export interface Forgotten extends Base<'forgotten'> {
  removed: string[];
}
/** A known-good snapshot of the job's configs was saved. */
export interface SnapshotSaved extends Base<'snapshot_saved'> {
  snapshot: string;
  files: SnapshotFile[];
}
/** No snapshot was saved: some files are not hb's to touch. */
export interface SnapshotRefused extends Base<'snapshot_refused'> {
  files: RefusedFile[];
}
/** Configs were put back from a snapshot. */
export interface ConfigRolledBack extends Base<'config_rolled_back'> {
  files: RolledFile[];
  source: string;
}
/** The job's restart command ran. */
export interface Restart extends Base<'restart'> {
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  duration_ms: number;
  output_tail: string;
}
/** The health probe after recovery: healthy, not, or not known yet (null). */
export interface RecoveryVerified extends Base<'recovery_verified'> {
  healthy: boolean | null;
  reason: string;
}
/** Recovery was not attempted (restart budget spent, nothing to do safely…). */
export interface RecoveryBlocked extends Base<'recovery_blocked'> {
  reason: string;
  restarts: number;
}

/** Every event hb writes (a line read back is an HbEvent of lib/adapters/events/log.ts until its type is checked). */
export type KnownEvent =
  | RunStarted
  | RunFinished
  | CrashDetected
  | Timeout
  | OverlapSkipped
  | AlertOpened
  | AlertReminded
  | AlertEscalated
  | AlertResolved
  | NotifyFailed
  | Paused
  | Resumed
  | Forgotten
  | SnapshotSaved
  | SnapshotRefused
  | ConfigRolledBack
  | Restart
  | RecoveryVerified
  | RecoveryBlocked;

/** The `type` of an event hb writes. */
export type EventType = KnownEvent['type'];

/** The event of one type. */
export type EventOf<T extends EventType> = Extract<KnownEvent, { type: T }>;

/** The fields of one type beyond ts, job and type. */
export type FieldsOf<T extends EventType> = Omit<EventOf<T>, keyof Base<T>>;

/** Builds an event of one type; the fields keep the order they are given in. */
export type Constructor<T extends EventType> = (ts: string, job: string, fields: FieldsOf<T>) => EventOf<T>;

const make =
  <T extends EventType>(type: T): Constructor<T> =>
  (ts, job, fields) =>
    ({ ts, job, type, ...fields }) as EventOf<T>;

/** One constructor per event type: every writer builds its events here. */
export const newEvent: { readonly [T in EventType]: Constructor<T> } = {
  run_started: make('run_started'),
  run_finished: make('run_finished'),
  crash_detected: make('crash_detected'),
  timeout: make('timeout'),
  overlap_skipped: make('overlap_skipped'),
  alert_opened: make('alert_opened'),
  alert_reminded: make('alert_reminded'),
  alert_escalated: make('alert_escalated'),
  alert_resolved: make('alert_resolved'),
  notify_failed: make('notify_failed'),
  paused: make('paused'),
  resumed: make('resumed'),
  forgotten: make('forgotten'),
  snapshot_saved: make('snapshot_saved'),
  snapshot_refused: make('snapshot_refused'),
  config_rolled_back: make('config_rolled_back'),
  restart: make('restart'),
  recovery_verified: make('recovery_verified'),
  recovery_blocked: make('recovery_blocked'),
};

/** Every event type hb writes, in the order docs/state.md lists them. */
export const EVENT_TYPES = Object.keys(newEvent) as EventType[];
