// What cron makes of a line's five time fields, decided with parseCron (the one cron grammar):
// refused (cron logs "bad minute" and ignores the whole file), truncated (cron reads a valid
// prefix and silently drops the rest, `5#3` → `5`), or accepted but odd (a reversed range never
// fires, a step larger than the field fires once per cycle). Checked against Debian's `crontab -n`.

import { CronSyntaxError, parseCron } from '../schedule/cron.ts';

/** The five fields in order, named as cron's own messages name them. */
export const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;

/** A field cron reads only in part. */
export interface Truncation {
  field: (typeof FIELD_NAMES)[number];
  written: string;
  /** What cron reads; the rest of the field is dropped without a word. */
  kept: string;
}

/** Something cron accepts that cannot be what was meant. */
export interface Oddity {
  kind: 'never-fires' | 'step-too-large';
  message: string;
}

/** What cron does with five fields. */
export type FieldsVerdict = { ok: false; reason: string } | { ok: true; effective: string; truncated: Truncation[]; oddity: Oddity | null };

// Cron reads a field item by item and stops at the first character no item can hold, then skips
// to the next blank: everything from that character on is ignored.
const ITEM_CHARS = /^[A-Za-z0-9*,/-]*/;

const WILD = ['*', '*', '*', '*', '*'];

function classify(e: unknown): Oddity | { refused: string } {
  if (!(e instanceof CronSyntaxError)) throw e;
  if (/reversed|never falls in month/.test(e.message)) return { kind: 'never-fires', message: e.message };
  if (/larger than the field/.test(e.message)) return { kind: 'step-too-large', message: e.message };
  return { refused: e.message };
}

/** Decides what cron does with `fields` (exactly five, as written). */
export function checkFields(fields: readonly string[]): FieldsVerdict {
  const truncated: Truncation[] = [];
  const kept = fields.map((written, i) => {
    const prefix = ITEM_CHARS.exec(written)![0];
    if (prefix !== written) truncated.push({ field: FIELD_NAMES[i]!, written, kept: prefix });
    return prefix;
  });
  let oddity: Oddity | null = null;
  // Item by item, each alone in an otherwise open schedule: a refused item anywhere refuses the
  // line, whatever odd item came before it in the field.
  for (let i = 0; i < 5; i++) {
    const name = FIELD_NAMES[i]!;
    if (kept[i] === '') return { ok: false, reason: `bad ${name}: "${fields[i]}" does not start with a value` };
    for (const item of kept[i]!.split(',')) {
      const probe = WILD.map((w, j) => (j === i ? item : w)).join(' ');
      try {
        parseCron(probe);
      } catch (e) {
        const c = classify(e);
        if ('refused' in c) return { ok: false, reason: `bad ${name}: ${c.refused}` };
        oddity ??= c;
      }
    }
  }
  const effective = kept.join(' ');
  if (!oddity) {
    try {
      parseCron(effective);
    } catch (e) {
      const c = classify(e);
      if ('refused' in c) return { ok: false, reason: c.refused };
      oddity = c;
    }
  }
  return { ok: true, effective, truncated, oddity };
}
