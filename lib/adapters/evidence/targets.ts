// Which problem jobs the host's evidence is gathered for.

import type { ExplainTarget } from '../../check/explain.ts';

/** Host evidence (cron, boot, crontab, locks, logs) explains a missed run: only stale and never-ran jobs get it. */
export const isHostTarget = (t: ExplainTarget): boolean => t.judgement.status === 'stale' || t.judgement.status === 'never';
