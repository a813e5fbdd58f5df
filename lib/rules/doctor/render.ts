// hb doctor's output: `file:line: severity: message` and a `fix:` line per finding, grouped by
// file, then a count; or one JSON object for machines.

import { visible } from '../visible.ts';
import type { Finding } from './types.ts';

/** What was checked, for the summary line and the JSON. */
export interface DoctorSummary {
  crontabs: string[];
  config: string | null;
  /** Files named by hand (--crontab): the format each was read in, whether that was settled, and why. */
  kinds?: Array<{ file: string; kind: 'user' | 'system'; sure: boolean; why: string }>;
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The text report; `color` marks severities for a terminal. */
export function renderDoctorText(findings: readonly Finding[], summary: DoctorSummary, color = false): string {
  const paint = (sev: Finding['severity']) => (color ? `${sev === 'error' ? '\u001b[31m' : '\u001b[33m'}${sev}\u001b[0m` : sev);
  const lines: string[] = [];
  let file: string | null | undefined;
  for (const f of findings) {
    if (file !== undefined && f.file !== file) lines.push('');
    file = f.file;
    const at = f.file === null ? 'host' : f.line === null ? f.file : `${f.file}:${f.line}`;
    // A finding quotes crontab lines, written by anyone who can write one: shown, never obeyed.
    lines.push(`${visible(at)}: ${paint(f.severity)}: ${visible(f.message)} [${f.code}]`, `  fix: ${visible(f.fix)}`);
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  // A file named by hand says which format it was read in.
  const kindOf = new Map((summary.kinds ?? []).map((k) => [k.file, ` (${k.kind} crontab${k.sure ? '' : ', a guess'})`]));
  const shown = summary.crontabs.map((c) => `${c}${kindOf.get(c) ?? ''}`);
  const what = shown.length === 0 ? 'no crontab' : shown.length <= 4 ? shown.join(', ') : count(shown.length, 'crontab');
  const checked = `checked ${what}${summary.config ? ` and ${summary.config}` : ''}`;
  if (findings.length > 0) lines.push('');
  lines.push(
    findings.length === 0 ? `hb doctor: no problems found (${checked})` : `hb doctor: ${count(errors, 'error')}, ${count(warnings, 'warning')} (${checked})`,
  );
  return `${lines.join('\n')}\n`;
}

/** The JSON report: `{"findings": [...], "errors": N, "warnings": N, "checked": {...}}`. */
export function renderDoctorJson(findings: readonly Finding[], summary: DoctorSummary): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return `${JSON.stringify({ findings, errors, warnings: findings.length - errors, checked: summary }, null, 2)}\n`;
}
