// Cron fields → systemd calendar events (`OnCalendar=`), built from the values parseCron found,
// so the translation never re-reads cron syntax. Every line is written in the normalized form
// `systemd-analyze calendar` prints back, which lets the system tests see systemd read what we meant.

import type { CronExpr, CronField } from '../schedule/cron.ts';

/** systemd's weekday names in its own order (Monday first); index = cron's number - 1, Sunday last. */
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

const pad = (n: number) => String(n).padStart(2, '0');

/** True when `values` is every number from `min` to `max`. */
function isFull(values: readonly number[], min: number, max: number): boolean {
  return values.length === max - min + 1 && values[0] === min && values[values.length - 1] === max;
}

/** The common step of an arithmetic progression of at least three values, if `values` is one. */
function progressionStep(values: readonly number[]): number | undefined {
  if (values.length < 3) return undefined;
  const step = values[1]! - values[0]!;
  for (let i = 2; i < values.length; i++) if (values[i]! - values[i - 1]! !== step) return undefined;
  return step;
}

/** Consecutive runs of three or more as `a..b`, shorter runs as single values: `01..03,05`. */
function runs(values: readonly number[], name: (v: number) => string): string {
  const out: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    if (j - i >= 2) out.push(`${name(values[i]!)}..${name(values[j]!)}`);
    else for (let k = i; k <= j; k++) out.push(name(values[k]!));
    i = j + 1;
  }
  return out.join(',');
}

/**
 * One numeric component (minute, hour, day, month) in systemd syntax: `*`, `00/15` (repeats to
 * the end of the field, as cron's `*\/15` does), `01..26/5` (a stepped range that stops early),
 * or a list of values and ranges. Exact by construction: each form denotes exactly `values`.
 */
export function renderComponent(values: readonly number[], min: number, max: number): string {
  if (isFull(values, min, max)) return '*';
  const step = progressionStep(values);
  if (step !== undefined && step > 1) {
    const first = values[0]!;
    const last = values[values.length - 1]!;
    return last + step > max ? `${pad(first)}/${step}` : `${pad(first)}..${pad(last)}/${step}`;
  }
  return runs(values, pad);
}

/** The weekdays of a cron day-of-week field (0 and 7 both Sunday) in systemd syntax, or undefined for every day. */
export function renderWeekdays(values: readonly number[]): string | undefined {
  const days = [...new Set(values.map((v) => (v === 0 ? 7 : v)))].sort((a, b) => a - b);
  if (days.length === 7) return undefined;
  return runs(days, (d) => WEEKDAYS[d - 1]!);
}

const full = (f: CronField, min: number, max: number) => isFull(f.values, min, max);

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Some day of `dom` exists in some month of `month` (systemd would print "never" otherwise). */
function someDate(dom: CronField, month: CronField): boolean {
  return month.values.some((m) => dom.values.some((d) => d <= DAYS_IN_MONTH[m]!));
}

/**
 * The `OnCalendar=` values that fire exactly when `expr` matches a wall-clock time, in the zone
 * named by `zoneSuffix` (none: the host's zone). Cron ORs day-of-month and day-of-week when both
 * are restricted (neither starts with `*`); systemd ANDs the date and the weekday of one event,
 * so that case takes two events, one per day field, and the timer fires at their union.
 */
export function calendarEvents(expr: CronExpr, zoneSuffix?: string): string[] {
  const [minute, hour, dom, month, dow] = expr.parts;
  const time = `${renderComponent(hour.values, 0, 23)}:${renderComponent(minute.values, 0, 59)}:00`;
  const months = renderComponent(month.values, 1, 12);
  const zone = zoneSuffix ? ` ${zoneSuffix}` : '';
  const event = (weekdays: string | undefined, days: string) => `${weekdays ? `${weekdays} ` : ''}*-${months}-${days} ${time}${zone}`;
  const days = renderComponent(dom.values, 1, 31);
  const weekdays = renderWeekdays(dow.values);
  const orDays = !dom.star && !dow.star;
  if (!orDays) return [event(weekdays, days)];
  // Either field allowing every day makes the union every day.
  if (weekdays === undefined || full(dom, 1, 31)) return [event(undefined, '*')];
  // `0 0 31 2 mon` fires on February's Mondays only: the 31st adds nothing there.
  if (!someDate(dom, month)) return [event(weekdays, '*')];
  return [event(weekdays, '*'), event(undefined, days)];
}
