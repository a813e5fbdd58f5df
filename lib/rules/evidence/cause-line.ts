// The one line that says why a problem job missed its run, shown under its reason everywhere a
// person reads a verdict (check text, notifications, Nagios, the report): the root cause or the
// likely cause first, then the other causes and clues, then (asked for) what was ruled out. Pure;
// each surface escapes the line its own way.

import { likelyCause, rankEvidence, type Evidence, type RootCause } from './types.ts';

/** What the line is made from: a verdict's `evidence` (ranked) and `root_cause`. */
export interface Explained {
  evidence: readonly Evidence[];
  root_cause: RootCause | null;
}

/** How much of the evidence the line names. */
export interface CauseLineOptions {
  /** Name the items weighted `clear` too ("ruled out: …"); `hb check --verbose`. */
  verbose?: boolean;
  /** At most this many items after the first (default ALSO_ITEMS, all with `verbose`); the rest are counted. */
  also?: number;
}

/** Items named after the first one by default: the line stays one a person reads at a glance. */
export const ALSO_ITEMS = 3;

/** Evidence items a notification carries at most (the most likely first). */
export const NOTIFIED_EVIDENCE = 10;

/**
 * The cause line, or null when there is nothing to say (no evidence, or only ruled-out causes
 * without `verbose`):
 * - `because dump failed 2h ago (needs job:dump): alerted as dump's incident; also: …`
 * - `likely: no cron daemon is running …; also: the crontab line …; ruled out: …`
 */
export function causeLine(h: Explained, opts: CauseLineOptions = {}): string | null {
  const ranked = rankEvidence(h.evidence);
  const root = h.root_cause;
  // The dependency or precondition item that names the root cause says what the root cause already says.
  const rest = root ? ranked.filter((e) => !((e.kind === 'dependency' || e.kind === 'precondition') && namesRoot(e, root))) : ranked;
  const likely = root ? null : likelyCause(rest);
  const others = rest.filter((e) => e !== likely && e.weight !== 'clear');
  const cleared = opts.verbose ? rest.filter((e) => e.weight === 'clear') : [];
  const parts: string[] = [];
  if (root) parts.push(rootCauseText(root));
  else if (likely) parts.push(`likely: ${oneLine(likely.text)}`);
  // Verbose asks for everything: nothing is counted away.
  const room = opts.also ?? (opts.verbose ? Infinity : ALSO_ITEMS);
  const named = [...others, ...cleared].slice(0, room);
  const alsoNamed = named.filter((e) => e.weight !== 'clear');
  const clearNamed = named.filter((e) => e.weight === 'clear');
  if (alsoNamed.length > 0) parts.push(`also: ${alsoNamed.map((e) => oneLine(e.text)).join('; ')}`);
  if (clearNamed.length > 0) parts.push(`ruled out: ${clearNamed.map((e) => oneLine(e.text)).join('; ')}`);
  const left = others.length + cleared.length - named.length;
  if (left > 0) parts.push(`${left} more in hb status`);
  return parts.length > 0 ? parts.join('; ') : null;
}

/** "because dump failed 2h ago (needs job:dump): alerted as dump's incident"; a precondition has no incident. */
export function rootCauseText(root: RootCause): string {
  const folded = root.job === null ? '' : `: alerted as ${root.job}'s incident`;
  const text = oneLine(root.text);
  const need = oneLine(root.need);
  // "db failed 2h ago (through dump)" takes the need into its own parentheses.
  const said = text.endsWith(')') ? `${text.slice(0, -1)}; needs ${need})` : `${text} (needs ${need})`;
  return `because ${said}${folded}`;
}

/** The evidence a notification carries: the ranked list, at most NOTIFIED_EVIDENCE items. */
export function notifiedEvidence(evidence: readonly Evidence[]): Evidence[] {
  return rankEvidence(evidence).slice(0, NOTIFIED_EVIDENCE);
}

/** Whether a dependency or precondition item is about the job or need the root cause names. */
function namesRoot(e: Evidence, root: RootCause): boolean {
  return e.facts.need === root.need || (root.job !== null && e.facts.job === root.job) || e.text === root.text;
}

/** A text meant to be one line kept on one: line breaks (and the space around them) become one space. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ');
}
