// The event tables at compile time (tsc checks tests/): a new event type, or a new field of one,
// without its decoder, its `hb log` summary or its report rule does not type-check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECODERS, type FieldDecodersOf, type ReadKnown } from '../../lib/rules/events/parse.ts';
import { EVENT_TYPES, type KnownEvent, type Paused } from '../../lib/rules/events/schema.ts';
import { RULES, type ReportRules } from '../../lib/rules/report/collect.ts';
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
const rules: ReportRules<ReadKnown> = RULES;

// A new type in the union, and nothing else: each table refuses it.
// @ts-expect-error queue_drained has no decoders
const newTypeDecoders: FieldDecodersOf<KnownEvent | Drained> = DECODERS;
// @ts-expect-error queue_drained has no summary
const newTypeSummaries: Summaries<ReadKnown | DrainedRead> = SUMMARIES;
// @ts-expect-error queue_drained has no report rule
const newTypeRules: ReportRules<ReadKnown | DrainedRead> = RULES;
// A new field of an existing type: its decoder is missing.
// @ts-expect-error paused.reason has no decoder
const newFieldDecoders: FieldDecodersOf<Exclude<KnownEvent, Paused> | (Paused & { reason: string })> = DECODERS;

test('the decoders, summaries and report rules are keyed by exactly the types hb writes', () => {
  void [newTypeDecoders, newTypeSummaries, newTypeRules, newFieldDecoders];
  const types = [...EVENT_TYPES].sort();
  for (const table of [decoders, summaries, rules]) assert.deepEqual(Object.keys(table).sort(), types);
});
