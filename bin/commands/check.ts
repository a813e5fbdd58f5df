// `hb check`: the meta-heartbeat. Options → the check pipeline (lib/check) → render → exit 0/1.

import type { ActOptions } from '../../lib/check/act.ts';
import type { CheckEffects } from '../../lib/check/effects.ts';
import { evaluateAll } from '../../lib/check/evaluate.ts';
import { finishCheck } from '../../lib/check/finish.ts';
import { allSinks, type HbConfig } from '../../lib/rules/config/types.ts';
import { UsageError } from '../../lib/rules/errors.ts';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';
import { warnsUnscheduled } from '../../lib/rules/health/unscheduled.ts';
import type { UntrustedDir } from '../../lib/adapters/state/dir.ts';
import { inPieces } from '../../lib/rules/format/pieces.ts';
import { HB_VERSION } from '../../lib/rules/version.ts';
import { readCheckScope } from '../../lib/check/scope.ts';
import type { GlobalOptions } from '../context.ts';
import { checkEffects } from '../effects.ts';
import type { Io } from '../io.ts';

interface CheckOptions extends GlobalOptions {
  format?: 'text' | 'json' | 'nagios' | 'prometheus';
  textfile?: string;
  verbose?: boolean;
  dryRun?: boolean;
  notify?: boolean;
  recover?: boolean;
}

const all = () => true;
// What the default text output lists: the problems, and the jobs hb cannot judge for want of a schedule.
const needsAttention = (j: { status: JobStatus; problem: boolean }, job: string) => j.problem || warnsUnscheduled(job, j);

/** Runs `hb check` and returns its exit code. */
export async function runCheck(jobs: string[], opts: CheckOptions, io: Io): Promise<number> {
  const format = opts.json ? 'json' : (opts.format ?? 'text');
  const keepAll = format !== 'text' || Boolean(opts.verbose) || Boolean(opts.textfile);
  const acting: ActOptions = { dryRun: Boolean(opts.dryRun), notify: opts.notify !== false, recover: opts.recover !== false };
  const scope = await readCheckScope(jobs, opts, io);
  const fx = checkEffects(io);
  const evaluation = await evaluateAll(scope, fx, keepAll ? all : needsAttention, (config, dir) => startActor(config, dir, fx, acting));
  const { kept: health, problems, unscheduled, warnings, total, dirs, untrusted, nowMs, actions } = evaluation;
  let code = 2;
  let unrecorded: boolean;
  try {
    // What recovery did is part of the text; other formats keep stdout for machines.
    if (format !== 'text') for (const line of actions) io.err(`hb: ${line}\n`);
    code = await render(format, health, { problems, unscheduled, warnings, total, dirs, untrusted, nowMs, actions }, opts, io);
  } finally {
    // Alerts go out even when the output failed (a bad --textfile): never lose one.
    const finished = await finishCheck(
      evaluation,
      { code, dryRun: acting.dryRun, complete: jobs.length === 0, looksOnly: !acting.notify && !acting.recover },
      fx,
    );
    unrecorded = finished.unrecorded;
    // A dry run's plan goes to stdout for people, to stderr where stdout is machine output.
    for (const line of finished.planned) (format === 'text' ? io.out : io.err)(`${line}\n`);
    for (const line of finished.warnings) io.err(`${line}\n`);
  }
  // The meta-heartbeat is a job too: a check that could not record itself is not a healthy one
  // (under nagios the status line already spoke, and its exit code must agree with it).
  return unrecorded && code === 0 && format !== 'nagios' ? 1 : code;
}

/** The acting code (alerts, recovery, any sink) loads only when the config asks for it. */
async function startActor(config: HbConfig, dir: string, fx: CheckEffects, acting: ActOptions) {
  const wanted = (acting.notify && allSinks(config).length > 0) || (acting.recover && [...config.jobs.values()].some((j) => j.recover));
  if (!wanted) return null;
  const { startActing } = await import('../../lib/check/act.ts');
  return startActing(config, dir, fx, acting);
}

/** Writes a long output to stdout as it is made, a piece at a time: 100,000 jobs make 100 MB of JSON. */
function writePieces(io: Io, parts: Iterable<string>): void {
  for (const piece of inPieces(parts)) io.out(piece);
}

/** Prints the verdicts in the asked format (and the textfile); returns the check's exit code. */
async function render(
  format: string,
  health: JobHealth[],
  counts: {
    problems: number;
    unscheduled: number;
    warnings: number;
    total: number;
    dirs: string[];
    untrusted: UntrustedDir[];
    nowMs: number;
    actions: string[];
  },
  opts: CheckOptions,
  io: Io,
): Promise<number> {
  const { problems, unscheduled, warnings, total, dirs, untrusted, nowMs, actions } = counts;
  // A state directory root would not read is a problem like a job's: what it holds went unjudged.
  const unhealthy = problems > 0 || untrusted.length > 0 ? 1 : 0;
  const meta = { nowMs, host: io.host, stateDirs: dirs, version: HB_VERSION, untrusted };
  // Prometheus also gets the outbox counts, so a fleet can alert on notifications that do not arrive.
  const prom = async () => ({ ...meta, notifications: (await import('../../lib/adapters/alerts/outbox.ts')).countOutbox(dirs[0]!) });

  if (opts.textfile) {
    const [{ prometheusParts }, { writeTextfile }] = await Promise.all([
      import('../../lib/rules/format/prometheus.ts'),
      import('../../lib/adapters/format/textfile.ts'),
    ]);
    try {
      writeTextfile(opts.textfile, inPieces(prometheusParts(health, await prom())));
    } catch (e) {
      throw new UsageError(`--textfile: ${(e as Error).message}`);
    }
  }
  switch (format) {
    case 'json': {
      const { jsonParts } = await import('../../lib/rules/format/json.ts');
      writePieces(io, jsonParts(health, meta));
      return unhealthy;
    }
    case 'nagios': {
      const { renderNagios } = await import('../../lib/rules/format/nagios.ts');
      const { text, exitCode } = renderNagios(health, meta);
      io.out(text);
      return exitCode;
    }
    case 'prometheus': {
      const { prometheusParts } = await import('../../lib/rules/format/prometheus.ts');
      writePieces(io, prometheusParts(health, await prom()));
      return unhealthy;
    }
    default: {
      const { checkTextParts } = await import('../../lib/rules/format/text.ts');
      // --textfile keeps every job for Prometheus; the text still lists what needs attention.
      const shown = opts.verbose ? health : health.filter((h) => needsAttention(h, h.job));
      writePieces(
        io,
        checkTextParts(shown, { total, problems, unscheduled, warnings }, { color: io.color, verbose: Boolean(opts.verbose) }, actions, untrusted),
      );
      return unhealthy;
    }
  }
}
