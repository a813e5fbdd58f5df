// Reading events back: the one place a line of events.jsonl is checked, field by field; pure.

import type { EventType, FieldsOf, KnownEvent } from './schema.ts';
import { isoTime } from '../iso-time.ts';

/**
 * One line of the log as read back: only `type` is known to be a string, since a line may come
 * from an older or newer hb or have been edited. Readers take its fields through `parseEvent` or
 * `timeOf` below; hb writes the KnownEvent of lib/events/schema.ts.
 */
export interface HbEvent {
  type: string;
  [field: string]: unknown;
}

/** A field's value as read: nested records may lack fields, as the event itself may. */
export type ReadValue<V> = V extends readonly (infer E)[] ? ReadValue<E>[] : V extends object ? { [K in keyof V]?: ReadValue<V[K]> } : V;

/** The fields of one type as read: each one present only when it holds the type hb writes. */
export type ReadFields<T extends EventType> = { [K in keyof FieldsOf<T>]?: ReadValue<Exclude<FieldsOf<T>[K], undefined>> };

/**
 * A line of a type hb writes. A line may come from an older or newer hb or have been edited, so
 * every field (ts and job too) may be missing: a field holding another JSON type reads as missing.
 */
export type ReadKnown = { [T in EventType]: { known: true; ts?: string; job?: string; type: T } & ReadFields<T> }[EventType];

/** The known line of one type. */
export type ReadOf<T extends EventType> = Extract<ReadKnown, { type: T }>;

/** A line of a type hb does not write (another version's): its fields as they stand on the line. */
export interface UnknownEvent {
  known: false;
  ts?: string;
  job?: string;
  type: string;
  /** Every key of the line, `ts`, `job` and `type` included, in the line's order. */
  fields: Readonly<Record<string, unknown>>;
}

/** An event as hb reads it back. */
export type ReadEvent = ReadKnown | UnknownEvent;

/** Reads one value: the value when it has the expected shape, undefined (missing) otherwise. */
type Decoder<V> = (v: unknown) => V | undefined;

/** The fields of type `T` in a union of events, beyond ts, job and type. */
type FieldsIn<E extends { type: string }, T> = Omit<Extract<E, { type: T }>, 'ts' | 'job' | 'type'>;

/** One decoder per field of every type of a union: a type or a field without one does not type-check. */
export type FieldDecodersOf<E extends { type: string }> = {
  readonly [T in E['type']]: { readonly [K in keyof FieldsIn<E, T>]-?: Decoder<ReadValue<Exclude<FieldsIn<E, T>[K], undefined>>> };
};

/** Decoders that give back the value itself when they take it: a field they take can be read in place. */
const AS_IS = new WeakSet<Decoder<unknown>>();
const asIs = <V>(d: Decoder<V>): Decoder<V> => (AS_IS.add(d), d);

const str: Decoder<string> = asIs((v) => (typeof v === 'string' ? v : undefined));
// JSON holds no NaN or Infinity, so every number read from a line is finite.
const num: Decoder<number> = asIs((v) => (typeof v === 'number' ? v : undefined));
const bool: Decoder<boolean> = asIs((v) => (typeof v === 'boolean' ? v : undefined));
const orNull = <V>(d: Decoder<V>): Decoder<V | null> => {
  const decode: Decoder<V | null> = (v) => (v === null ? null : d(v));
  return AS_IS.has(d) ? asIs(decode) : decode;
};
const exactly = <V extends string | boolean>(want: V): Decoder<V> => asIs((v) => (v === want ? want : undefined));
/** An array, keeping the elements that read; anything else is missing. */
const list =
  <V>(d: Decoder<V>): Decoder<V[]> =>
  (v) =>
    Array.isArray(v) ? v.map(d).filter((x): x is V => x !== undefined) : undefined;
/** An object (not null), keeping the fields that read; the decoders list every field. */
const record =
  <V extends object>(fields: { [K in keyof V]-?: Decoder<V[K]> }): Decoder<{ [K in keyof V]?: V[K] }> =>
  (v) =>
    typeof v === 'object' && v !== null ? pick(v as Record<string, unknown>, fields) : undefined;

/** The fields of `line` that read, in the decoders' order. */
function pick<V>(line: Readonly<Record<string, unknown>>, fields: { [K in keyof V]-?: Decoder<V[K]> }): { [K in keyof V]?: V[K] } {
  const out: { [K in keyof V]?: V[K] } = {};
  for (const key of Object.keys(fields) as (keyof V & string)[]) {
    if (!Object.hasOwn(line, key)) continue;
    const value = fields[key](line[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

const alert = { incident: str, status: str, reason: str };

/** What each field of each type holds when hb writes it. */
export const DECODERS: FieldDecodersOf<KnownEvent> = {
  run_started: { cycle: num, pid: num, unlocked: str },
  run_finished: { cycle: num, status: str, exit_code: orNull(num), signal: orNull(str), duration_ms: num, outcome: str, reason: str, ping: exactly(true) },
  crash_detected: { cycle: num, pid: num, started_at: str, reason: str },
  timeout: { cycle: num, timeout_ms: num, exit_code: orNull(num) },
  overlap_skipped: { holder_pid: orNull(num), holder_started_at: orNull(str), by: exactly('daemon') },
  alert_opened: alert,
  alert_reminded: alert,
  alert_escalated: { ...alert, step: num },
  alert_resolved: alert,
  notify_failed: { sink: str, kind: str, notification: str, incident: orNull(str), attempts: num, error: str, will_retry: bool },
  paused: { until: orNull(str) },
  resumed: {},
  forgotten: { removed: list(str) },
  snapshot_saved: { snapshot: str, files: list(record({ path: str, sha256: str })) },
  snapshot_refused: { files: list(record({ path: str, reason: str })) },
  config_rolled_back: { files: list(record({ path: str, old_hash: orNull(str), new_hash: str })), source: str },
  restart: { exit_code: orNull(num), signal: orNull(str), timed_out: bool, duration_ms: num, output_tail: str },
  recovery_verified: { healthy: orNull(bool), reason: str },
  recovery_blocked: { reason: str, restarts: num },
};

/**
 * A JSON value read from a line, when it is an event at all: an object (not an array) whose `type`
 * is a string. Anything else is not an event and is skipped by every reader.
 */
export function asEventLine(value: unknown): HbEvent | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return typeof (value as { type?: unknown }).type === 'string' ? (value as HbEvent) : null;
}

/** The time of a line in ms since the epoch; NaN when its `ts` is missing, not a string or not a time. */
export const timeOf = (line: HbEvent): number => (typeof line.ts === 'string' ? isoTime(line.ts) : NaN);

/** One field of a type's plan: its name, its decoder, and whether that decoder gives back what it takes. */
type Step = readonly [key: string, decode: Decoder<unknown>, asIs: boolean];

/** Each type's fields with their decoders, listed once: a report reads every line of a week's log. A type without a plan is one hb does not write. */
const PLANS = new Map<string, readonly Step[]>(
  Object.entries(DECODERS).map(([type, fields]) => [
    type,
    Object.entries(fields as Record<string, Decoder<unknown>>).map(([key, decode]): Step => [key, decode, AS_IS.has(decode)]),
  ]),
);

/**
 * Checks every field of a line once: a known event with the fields that read, or an unknown one.
 * The line is taken over, not copied, when it reads whole as it stands (ts, job and type, and only
 * fields of its type, each holding what hb writes — the lines hb wrote itself): it is returned
 * itself, marked `known`. Any other line is read into a new event field by field.
 */
export function parseEvent(line: HbEvent): ReadEvent {
  const plan = PLANS.get(line.type);
  if (plan !== undefined && readsAsItStands(line, plan)) {
    (line as Record<string, unknown>).known = true;
    return line as unknown as ReadKnown;
  }
  return copied(line, plan);
}

/** True when every field of `line` is ts, job, type or one of its type's, each holding what hb writes, scalars only. */
function readsAsItStands(line: Readonly<Record<string, unknown>>, plan: readonly Step[]): boolean {
  if (typeof line.ts !== 'string' || typeof line.job !== 'string') return false;
  let fields = 3;
  for (const [key, decode, asIs] of plan) {
    if (!Object.hasOwn(line, key)) continue;
    const value = line[key];
    if (!asIs || decode(value) !== value) return false;
    fields++;
  }
  // A line is what JSON.parse made: a plain object, nothing enumerable inherited.
  let keys = 0;
  for (const _ in line) keys++;
  return keys === fields;
}

/** The event read into a new object: the fields that read, in the decoders' order, or an unknown event. */
function copied(line: HbEvent, plan: readonly Step[] | undefined): ReadEvent {
  const fields = line as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = { known: plan !== undefined };
  if (typeof fields.ts === 'string') out.ts = fields.ts;
  if (typeof fields.job === 'string') out.job = fields.job;
  out.type = line.type;
  if (plan === undefined) {
    out.fields = fields;
    return out as unknown as UnknownEvent;
  }
  for (const [key, decode] of plan) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = decode(fields[key]);
    if (value !== undefined) out[key] = value;
  }
  return out as ReadKnown;
}
