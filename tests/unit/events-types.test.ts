// The event tables at compile time (tsc checks tests/): a new event type, or a new field of one,
// without its decoder, its `hb log` summary or its report case does not type-check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECODERS, type FieldDecodersOf, type ReadKnown } from '../../lib/rules/events/parse.ts';
import { EVENT_TYPES, type KnownEvent, type Paused } from '../../lib/rules/events/schema.ts';
import { countEvent, type JobTally } from '../../lib/rules/report/collect.ts';
import { SUMMARIES, type Summaries } from '../../lib/rules/report/event-line.ts';

/** A type hb might write one day, as written and as read back. */
interface Drained {
  ts: string;
  job: string;
  type: 'queue_drained';
  count: number;
}
type DrainedRead = { known: true; ts?: string; job?: string; type: 'queue_drained'; count?: number };

// Today's tables cover today's union.
const decoders: FieldDecodersOf<KnownEvent> = DECODERS;
const summaries: Summaries<ReadKnown> = SUMMARIES;
/** What the report counts an event of a union with: countEvent's own shape. */
type CountOf<E> = (j: JobTally, e: E & { ts: string }, t: number, inside: boolean, cycle: number | null) => void;
// The report's switch takes exactly today's union; a case missing from it reaches its `never`
// default and collect.ts itself does not type-check.
const rule: CountOf<ReadKnown> = countEvent;

// A new type in the union, and nothing else: each table refuses it.
// @ts-expect-error queue_drained has no decoders
const newTypeDecoders: FieldDecodersOf<KnownEvent | Drained> = DECODERS;
// @ts-expect-error queue_drained has no summary
const newTypeSummaries: Summaries<ReadKnown | DrainedRead> = SUMMARIES;
// @ts-expect-error queue_drained has no case in the report's switch
const newTypeRule: CountOf<ReadKnown | DrainedRead> = countEvent;
// A new field of an existing type: its decoder is missing.
// @ts-expect-error paused.reason has no decoder
const newFieldDecoders: FieldDecodersOf<Exclude<KnownEvent, Paused> | (Paused & { reason: string })> = DECODERS;

test('the decoders and summaries are keyed by exactly the types hb writes; the report counts exactly those', () => {
  void [rule, newTypeDecoders, newTypeSummaries, newTypeRule, newFieldDecoders];
  const types = [...EVENT_TYPES].sort();
  for (const table of [decoders, summaries]) assert.deepEqual(Object.keys(table).sort(), types);
});
