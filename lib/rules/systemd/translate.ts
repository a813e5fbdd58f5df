// A job's schedule → what its systemd timer says, or why no timer can say it exactly.

import { parseDuration } from '../duration.ts';
import { CronSyntaxError, parseCron } from '../schedule/cron.ts';
import type { ScheduleSpec } from '../schedule/types.ts';
import { offsetAt } from '../schedule/tz.ts';
import { calendarEvents } from './calendar.ts';
import { DST_HORIZON_MS, firstDstConflict, offsetTransitions, sameInstantsInUtc, type DstConflict } from './dst.ts';

/** The trigger of a timer: calendar events (cron) or a period counted from each start (every). */
export type TimerTrigger =
  { kind: 'calendar'; events: string[]; /** why the events are not the obvious ones, for a comment */ note?: string } | { kind: 'monotonic'; periodMs: number };

/** A translation: the trigger, or the reason there is none. */
export type Translation = { ok: true; trigger: TimerTrigger } | { ok: false; reason: string };

/** What a translation depends on besides the schedule. */
export interface TranslateContext {
  /** The zone of a cron schedule without `tz` (the host's: systemd uses it for events without a zone). */
  defaultTz: string;
  /** DST differences are looked for from here on. */
  nowMs: number;
  /** Whether systemd can read this zone (it uses the system's tzdata, not Node's ICU). */
  zoneKnown(tz: string): boolean;
}

const day = (wall: number) => new Date(wall).toISOString().slice(0, 10);
const clock = (wall: number) => new Date(wall).toISOString().slice(11, 16);

/** Why `conflict` makes a timer for this job differ from cron, with what would work instead. */
export function describeConflict(conflict: DstConflict, tz: string): string {
  const { kind, fromWall, toWall, wall } = conflict;
  const span = `${clock(fromWall)}-${clock(toWall - 60_000)}`;
  if (kind === 'gap') {
    return (
      `on ${day(wall)} ${tz} skips ${span} (clocks go forward): cron runs this job's ${clock(wall)} ` +
      `at ${clock(toWall)}, a systemd timer does not run it that day; ` +
      `choose a time outside ${span} or a zone without DST (tz: UTC)`
    );
  }
  return (
    `on ${day(wall)} ${tz} repeats ${span} (clocks go back): cron runs this job's ${clock(wall)} twice ` +
    `(its minute or hour field starts with *), a systemd timer once; ` +
    `give it fixed minute and hour fields or a zone without DST (tz: UTC)`
  );
}

function translateCron(cron: string, tz: string | undefined, ctx: TranslateContext): Translation {
  let expr;
  try {
    expr = parseCron(cron);
  } catch (e) {
    if (e instanceof CronSyntaxError) return { ok: false, reason: e.message };
    throw e;
  }
  if (tz !== undefined && !ctx.zoneKnown(tz)) {
    return { ok: false, reason: `systemd does not know the time zone "${tz}" (it reads /usr/share/zoneinfo; names are case-sensitive)` };
  }
  const zone = tz ?? ctx.defaultTz;
  const transitions = offsetTransitions(zone, ctx.nowMs, ctx.nowMs + DST_HORIZON_MS);
  const conflict = firstDstConflict(expr, transitions);
  if (!conflict) return { ok: true, trigger: { kind: 'calendar', events: calendarEvents(expr, tz) } };
  if (sameInstantsInUtc(expr, offsetAt(zone, ctx.nowMs), transitions)) {
    const note = `cron "${cron}" in ${zone} runs a repeated hour twice and skips a missing one: the same instants as in UTC`;
    return { ok: true, trigger: { kind: 'calendar', events: calendarEvents(expr, 'UTC'), note } };
  }
  return { ok: false, reason: describeConflict(conflict, zone) };
}

/**
 * Translates a schedule into a timer trigger. `every: P` becomes a monotonic timer that fires P
 * after it starts and P after each start of the service: hb's `every` rule counts the period
 * from the last run's start, and so does `OnUnitActiveSec=`.
 */
export function translateSchedule(spec: ScheduleSpec, ctx: TranslateContext): Translation {
  if ('every' in spec) {
    const ms = parseDuration(spec.every);
    if (ms === undefined || ms <= 0) return { ok: false, reason: `every: "${spec.every}" is not a period` };
    if (ms % 1000 !== 0) return { ok: false, reason: `every: ${spec.every} is not a whole number of seconds (timers here fire to the second)` };
    return { ok: true, trigger: { kind: 'monotonic', periodMs: ms } };
  }
  return translateCron(spec.cron, spec.tz, ctx);
}

/** A systemd time span: 90 s → `1min 30s`, 1 day → `1d`. */
export function timespan(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length ? parts.join(' ') : '0';
}
