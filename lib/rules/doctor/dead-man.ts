// Dead-man switches: a remote check (healthchecks.io and the like) that alerts when its pings
// stop. It proves something only if one thing pings it: a second pinger keeps it green after the
// first has died — the classic is a `curl hc-ping.com/…` cron line beside hb check's own sink.

import { baseName } from '../crontab/programs.ts';
import { CHECK_JOB } from '../job-name.ts';
import type { Checked } from './job-rules.ts';
import { finding, type DoctorFacts, type Finding } from './types.ts';

interface Pinger {
  key: string;
  who: string;
  file: string | null;
  line: number | null;
}

/** A ping URL without what healthchecks-style services append (/start, /fail, /0-255, /log, a query). */
export const pingKey = (url: string) =>
  url
    .replace(/[?#].*$/, '')
    .replace(/\/(?:start|fail|log|\d{1,3})\/?$/, '')
    .replace(/\/+$/, '');

const DEAD_MAN_HOST = /^https?:\/\/[^/]*(?:hc-ping|healthchecks|cronitor|deadmanssnitch|nosnch)/i;

/** Findings about dead-man switches pinged from more than one place, or installed twice. */
export function deadManRules(checked: readonly Checked[], facts: Pick<DoctorFacts, 'config'>): Finding[] {
  const { config } = facts;
  const sinks = (config.jobs.get(CHECK_JOB)?.notify ?? []).filter((s) => s.kind === 'healthchecks').map((s) => pingKey(String(s.options.url)));
  const pingers: Pinger[] = sinks.map((key) => ({ key, who: `the healthchecks sink of jobs.${CHECK_JOB} (${config.file})`, file: config.file, line: null }));
  for (const { parsed, reads } of checked) {
    if (!reads) continue;
    for (const l of parsed.lines) {
      if (l.kind !== 'job' || l.ignored) continue;
      const keys = new Set<string>();
      for (const p of l.programs) {
        if (!/^(?:curl|wget)$/.test(baseName(p.word.text))) continue;
        for (const { text } of p.args) {
          const key = pingKey(text);
          if (/^https?:\/\//.test(text) && (DEAD_MAN_HOST.test(text) || text.includes('/ping/') || sinks.includes(key))) keys.add(key);
        }
      }
      for (const key of keys) pingers.push({ key, who: `${parsed.file}:${l.line}`, file: parsed.file, line: l.line });
    }
  }
  const out: Finding[] = [];
  const byKey = new Map<string, Pinger[]>();
  for (const p of pingers) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
  for (const [key, list] of byKey) {
    for (const p of list.slice(1)) {
      out.push(
        finding(
          'error',
          'dead-man-duplicate',
          p.file,
          p.line,
          `${key} is also pinged by ${list[0]!.who}: while one of them still pings, the remote check stays green after the other has stopped`,
          sinks.includes(key) ? `delete this ping: the healthchecks sink of jobs.${CHECK_JOB} is the dead-man switch` : 'ping it from one place only',
        ),
      );
    }
  }
  const keys = [...byKey.keys()];
  if (keys.length > 1) {
    const second = byKey.get(keys[1]!)![0]!;
    out.push(
      finding(
        'warning',
        'dead-man-duplicate',
        second.file,
        second.line,
        `${keys.length} dead-man switches are installed (${keys.join(', ')}): each pages on its own when cron or the host stops, and the one not fed by hb check proves only that cron runs`,
        `keep one, fed by hb check: a healthchecks sink under jobs.${CHECK_JOB}.notify`,
      ),
    );
  }
  return out;
}
