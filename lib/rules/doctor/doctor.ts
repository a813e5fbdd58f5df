// hb doctor's decision: facts in, every finding out, grouped by file. Pure.

import { parseCrontab } from '../crontab/parse.ts';
import { commandRules } from './command-rules.ts';
import { deadManRules } from './dead-man.ts';
import { deprecatedKeyRules } from './deprecated-keys.ts';
import { cronReads, fileRules, kindRules } from './file-rules.ts';
import { hostRules, setupRules } from './host-rules.ts';
import { jobRules, type Checked } from './job-rules.ts';
import { lineRules } from './line-rules.ts';
import { programRules } from './program-rules.ts';
import { recoverRules } from './recover-rules.ts';
import { needsRules } from './needs-rules.ts';
import type { DoctorFacts, Finding } from './types.ts';

/** Every finding for `facts`: host first, then file by file in the order met, each by line. */
export function doctorFindings(facts: DoctorFacts): Finding[] {
  const checked: Checked[] = facts.crontabs.map((source) => {
    const parsed = parseCrontab(source.text, { kind: source.kind, file: source.path });
    return { source, parsed, reads: cronReads(source, parsed, facts.users) };
  });
  const found: Finding[] = [...hostRules(checked, facts), ...setupRules(facts), ...recoverRules(facts), ...deprecatedKeyRules(facts), ...needsRules(facts)];
  for (const { source, parsed } of checked) {
    found.push(
      ...kindRules(source),
      ...fileRules(source, parsed),
      ...lineRules(parsed, facts),
      ...programRules(parsed, source, facts),
      ...commandRules(parsed, source, facts),
    );
  }
  found.push(...jobRules(checked, facts), ...deadManRules(checked, facts));
  return groupByFile(found);
}

/** Findings grouped by file (in the order files first appear), by line within a file. */
export function groupByFile(findings: readonly Finding[]): Finding[] {
  const order = new Map<string | null, number>();
  for (const f of findings) if (!order.has(f.file)) order.set(f.file, order.size);
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => order.get(a.f.file)! - order.get(b.f.file)! || (a.f.line ?? 0) - (b.f.line ?? 0) || a.i - b.i)
    .map(({ f }) => f);
}
