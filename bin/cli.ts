// The command-line layer: declares commands, lazy-loads each one, and maps errors to exit codes.

import type { Command } from 'commander';
import { HbError, UsageError } from '../lib/rules/errors.ts';
import { visible } from '../lib/rules/visible.ts';
import { processIo, type Io } from './io.ts';
import { CHECK_OPTIONS, GLOBAL_OPTIONS, TICK_OPTIONS, WRAP_OPTIONS, type FastCommand, type OptionSpec } from './options.ts';
import { reportError } from './report-error.ts';
import {
  parseCrontabUser,
  parseMaxConcurrent,
  parseNextCount,
  parseLogLines,
  parseHostLabel,
  parsePauseFor,
  parsePrometheusUrl,
  parseQueryTimeout,
  parseStaleAfter,
  parseSince,
  parseStopTimeout,
  parseStopWait,
  parseSystemdUser,
} from './option-values.ts';
import { runHot, type HotRunner } from './hot.ts';
import type { GlobalOptions } from './context.ts';

const EXAMPLES = `
Examples:
  hb tick backup --every 1h          record a heartbeat for "backup" (a pure ping)
  hb wrap --cron '30 2 * * *' -- /usr/local/bin/backup.sh
                                     run a job, pass its output through, record the outcome
  hb check || page-me                exit 1 when any job is late, failed or crashed
  hb status                          the heartbeat panel
  hb next '0 9 * * 1-5' --tz Europe/Berlin
                                     when a cron expression really fires

Exit codes: 0 healthy/success, 1 unhealthy or the job's own failure code, 2 bad usage or config
(3 under --format nagios). Docs: docs/cli.md, docs/configuration.md.`;

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. Tests pass their
 * own `io` and `hot` to see what commander made of a tick, wrap or check line.
 */
export async function main(argv: string[], io: Io = processIo(argv.includes('--no-color')), hot: HotRunner = runHot): Promise<number> {
  const nagios = wantsNagios(argv);
  try {
    return await run(argv, io, nagios, hot);
  } catch (e) {
    return reportError(e, io, nagios);
  }
}

async function run(argv: string[], io: Io, nagios: boolean, hot: HotRunner): Promise<number> {
  const { program, exitCode } = await buildProgram(io, nagios, hot);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number };
    if (ce.code === 'commander.helpDisplayed' || ce.code === 'commander.version' || ce.code === 'commander.help') return 0;
    // Commander has printed its message already, except under nagios where stdout gets it.
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
      throw new HbError(nagios ? String((e as Error).message).replace(/^error: /, '') : '', 2);
    }
    throw e;
  }
  return exitCode();
}

/**
 * hb's commander program, every command's action bound to `io`; `exitCode()` is the code the
 * action that ran returned. The completion scripts are made from it, and tests walk it.
 */
export async function buildProgram(io: Io, nagios = false, hot: HotRunner = runHot): Promise<{ program: Command; exitCode: () => number }> {
  const { Argument, Command: CommandClass, Option } = await import('commander');
  const { HB_VERSION } = await import('../lib/rules/version.ts');
  let code = 0;
  const program = new CommandClass('hb')
    .description('Make silent cron failures impossible: heartbeats, a meta-heartbeat, dead-man recovery.')
    .version(HB_VERSION, '-V, --version')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: (text) => nagios || io.err(text),
      outputError: (text, write) => nagios || write(`hb: ${text.replace(/^error: /, '')}`),
    });

  const declare = (cmd: Command, specs: readonly OptionSpec[]) => {
    for (const o of specs) {
      const option = new Option(o.value ? `${o.flag} <${o.value}>` : o.flag, o.help);
      if (o.hidden) option.hideHelp();
      const parse = o.parse ?? ((text: string) => text);
      if (o.repeatable) option.argParser((text: string, before: unknown): unknown[] => [...(Array.isArray(before) ? (before as unknown[]) : []), parse(text)]);
      else if (o.parse) option.argParser(o.parse);
      cmd.addOption(o.choices ? option.choices(o.choices) : option);
    }
    return cmd;
  };
  declare(program, GLOBAL_OPTIONS);
  // Commander lets excess arguments through; a stray word (`hb tick backup sync`) must not be
  // ignored, and its own message would not name the word.
  program.hook('preAction', (_root, action) => refuseExtraArguments(action));
  // Global options are accepted after the command too (`hb tick x --state-dir D`), as crontab
  // lines are written; --no-color is read from argv by processIo.
  const command = (name: string) => declare(program.command(name), GLOBAL_OPTIONS);
  const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions & Record<string, unknown>>();

  declare(command('tick').argument('<job>', 'job name'), TICK_OPTIONS)
    .description("run the job's configured command (if any) and record its heartbeat")
    .addHelpText(
      'after',
      '\nExamples:\n  hb tick backup --every 1h\n  hb tick sync --cron "*/5 * * * *" --status error --message "upstream 503"\n  hb tick agent --every 15m --cycle 1207   the agent\'s own cycle number instead of hb\'s count\n  hb tick backup --every 1d --ping https://hc-ping.com/UUID   also ping a healthchecks check (or set HB_PING_URL)',
    )
    .action(async (job: string, _o, cmd: Command) => {
      code = await hot({ command: 'tick', operands: [job], options: cmd.optsWithGlobals<FastCommand['options']>() }, io);
    });

  declare(command('wrap').argument('<command...>', 'the command to run, after --'), WRAP_OPTIONS)
    .description('run an existing cron command, pass its output through and record its heartbeat')
    .passThroughOptions()
    .addHelpText(
      'after',
      '\nExamples:\n  hb wrap -- /usr/local/bin/backup.sh --full\n  hb wrap --job sync --every 15m --timeout 10m --lock -- rsync -a src/ dst/\n  hb wrap --job backup --quiet -- /usr/local/bin/backup.sh   cron mails its output only when it fails\n  hb wrap --job backup --expect "/var/backups/db-*.sql.gz" --min-size 1MB --min-ratio 50% --verify "gzip -t {}" -- /usr/local/bin/backup.sh\n  hb wrap --job mirror --warn-codes 24 -- rsync -a src/ dst/   exit 24 (vanished files) is a warning, not a failure\n  hb wrap --job dump --fail-on ERROR --fail-on denied --require "backup complete" -- /usr/local/bin/dump.sh\n  hb wrap --job backup --cron "30 2 * * *" --baseline --min-duration 30s -- /usr/local/bin/backup.sh\n  hb wrap --job backup --ping https://hc-ping.com/UUID -- /usr/local/bin/backup.sh   report /start and the outcome to a healthchecks check, no config needed (or HB_PING_URL)\n  hb wrap --job agent --cycle 1207 -- /opt/agent/cycle.sh   the caller\'s cycle number in the record',
    )
    .action(async (command: string[], _o, cmd: Command) => {
      code = await hot({ command: 'wrap', operands: command, options: cmd.optsWithGlobals<FastCommand['options']>() }, io);
    });

  declare(command('check').argument('[job...]', 'jobs to check (default: all)'), CHECK_OPTIONS)
    .description('the meta-heartbeat: evaluate every job, print the unhealthy ones and those without a schedule, exit 1 if any is unhealthy')
    .addHelpText('after', '\nExamples:\n  hb check || page-me\n  hb check --format nagios\n  hb check --textfile /var/lib/prometheus/node-exporter/hb.prom')
    .action(async (jobs: string[], _o, cmd: Command) => {
      code = await hot({ command: 'check', operands: jobs, options: cmd.optsWithGlobals<FastCommand['options']>() }, io);
    });

  withFleetOptions(
    command('status')
      .argument('[job...]', "jobs to show (default: all); named jobs also get why, and their last run's reason and output")
      .description('the heartbeat panel: status, age, interval, ratio, last exit, duration, cycle, action')
      .addOption(new Option('--format <format>', 'output format (default text)').choices(['text', 'json']))
      .option('--json', 'same as --format json'),
    'the fleet view: every host and job from the hb series in this Prometheus (user:password@ for basic auth)',
  )
    .addHelpText(
      'after',
      "\nExamples:\n  hb status\n  hb status backup           the panel, then why backup's last run failed and what it printed\n  hb status backup --json\n  hb status --format json | jq -r '.jobs[] | select(.problem) | .job'\n  hb status --prometheus http://prometheus.example.net:9090   every host and job of the fleet, blockers first\n  hb status --prometheus http://prometheus:9090 --json | jq -r '.jobs[] | select(.blocker) | \"\\(.host) \\(.job)\"'",
    )
    .action(async (jobs: string[], _o, cmd: Command) => {
      refuseFleetFlagsAlone(cmd);
      const { runStatus } = await import('./commands/status.ts');
      code = await runStatus(jobs, globals(cmd), io);
    });

  withFleetOptions(
    command('report')
      .description('the nightly report: runs, failures, crashes, incidents, rollbacks, durations; blockers first')
      .option('--since <duration>', 'the window, ending now (default 24h)', parseSince)
      .addOption(new Option('--format <format>', 'output format (default markdown)').choices(['markdown', 'html', 'json']))
      .option('--json', 'same as --format json')
      .option('--output <file>', 'write the report to FILE atomically instead of stdout (- is stdout; a link, device, FIFO or directory is refused)')
      .option('--send', 'send the Markdown report as a message through the global sinks (job hb-report)'),
    'the report over the fleet: every host and job from the hb series in this Prometheus',
  )
    .addHelpText(
      'after',
      '\nExamples:\n  hb report\n  hb report --since 7d --format html --output /var/www/hb/report.html\n  hb report --send\n  hb report --prometheus http://prometheus.example.net:9090 --format html --output /var/www/hb/fleet.html',
    )
    .action(async (_o, cmd: Command) => {
      refuseFleetFlagsAlone(cmd);
      const { runReport } = await import('./commands/report.ts');
      code = await runReport(globals(cmd), io);
    });

  command('log')
    .argument('[job]', 'only the events of this job')
    .description('the event history, oldest first: runs, crashes, alerts, recovery, notifications')
    .option('--since <duration>', 'only events from the last DURATION', parseSince)
    .option('-n <count>', 'only the last COUNT lines (after JOB and --since), like tail -n', parseLogLines)
    .option('--json', 'one stored JSON event per line')
    .option('--output', "instead of events, the output of the job's last 10 failed runs, oldest first (-n N: the last N)")
    .addHelpText(
      'after',
      '\nExamples:\n  hb log\n  hb log -n 50\n  hb log backup --since 2d\n  hb log backup --output -n 1      what the last failed run of backup printed\n  hb log --json | jq -c \'select(.type == "crash_detected")\'',
    )
    .action(async (job: string | undefined, _o, cmd: Command) => {
      const { runLog } = await import('./commands/log.ts');
      code = await runLog(job, globals(cmd), io);
    });

  command('pause')
    .argument('<job>', 'job name')
    .description('a one-off maintenance window: the job is shown as paused and never alerts (recurring windows: maintenance: in the config)')
    .option('--for <duration>', 'end the pause by itself after this long (default: until hb resume)', parsePauseFor)
    .addHelpText('after', '\nExamples:\n  hb pause backup --for 2h\n  hb pause agent')
    .action(async (job: string, _o, cmd: Command) => {
      const { runPause } = await import('./commands/maintenance.ts');
      code = await runPause(job, globals(cmd), io);
    });

  command('resume')
    .argument('<job>', 'job name')
    .description('end a pause: the job is judged from now on, nothing from before is alerted')
    .addHelpText('after', '\nExamples:\n  hb resume backup                 after the maintenance, judged from now on\n  hb resume backup && hb check backup')
    .action(async (job: string, _o, cmd: Command) => {
      const { runResume } = await import('./commands/maintenance.ts');
      code = await runResume(job, globals(cmd), io);
    });

  command('forget')
    .argument('<job>', 'job name')
    .description("remove a job's heartbeat, running marker, pause, run history and cycle count (its events stay in the log)")
    .addHelpText(
      'after',
      '\nExamples:\n  hb forget old-backup             a job taken out of cron: hb check stops listing it\n  hb forget old-backup --state-dir /srv/hb',
    )
    .action(async (job: string, _o, cmd: Command) => {
      const { runForget } = await import('./commands/maintenance.ts');
      code = await runForget(job, globals(cmd), io);
    });

  command('doctor')
    .description('find what makes cron jobs fail silently: crontab lines, files cron ignores, the config, the state dir, the cron daemon')
    .option('--crontab <file...>', 'check these crontab files instead of the system ones (host checks skipped)')
    .option('--system', 'read the --crontab files as system crontabs (a user field after the schedule); default: guessed from place and lines')
    .option('--user-crontab', 'read the --crontab files as user crontabs (no user field)')
    .option('--json', 'print {"findings": [...], "errors": N, "warnings": N, "checked": {...}}')
    .addHelpText(
      'after',
      '\nExit 1 when any finding is an error, 0 otherwise.\n\nExamples:\n  hb doctor\n  hb doctor --crontab /etc/cron.d/backup\n  hb doctor --crontab ./crontab.txt --json\n\nDocs: docs/cron-pitfalls.md',
    )
    .action(async (_o, cmd: Command) => {
      const { runDoctor } = await import('./commands/doctor.ts');
      code = await runDoctor(globals(cmd), io);
    });

  const daemon = command('daemon')
    .argument('[subcommand]', 'start, stop or status')
    .description("a scheduler for hosts and containers without cron: runs each job's tick (inside the daemon, around sh -c COMMAND) on its schedule")
    .addHelpText(
      'after',
      '\nExamples:\n  hb daemon start                    in the foreground (containers, systemd Type=notify)\n  hb daemon start --detach           in the background, logging to <state>/daemon.log\n  hb daemon start --quiet --max-concurrent 64   many jobs: no line per run, 64 at once\n  hb daemon status\n  hb daemon stop\n\nDocs: docs/daemon.md',
    )
    .action((sub: string | undefined) => {
      throw new HbError(`daemon: ${sub ? `unknown subcommand "${sub}"` : 'a subcommand is needed'}: expected start, stop or status`, 2);
    });
  declare(daemon.command('start'), GLOBAL_OPTIONS)
    .description('run the scheduler until SIGTERM/SIGINT; SIGHUP reloads the config')
    .option('--pid-file <file>', 'PID file (default <state>/daemon.pid)')
    .option('--detach', 'run in the background, logging to <state>/daemon.log; returns once the PID file is written')
    .option('--stop-timeout <duration>', 'on stop, how long running jobs may take before they get SIGTERM (default 30s; 0: at once)', parseStopTimeout)
    .option('--quiet', 'no log line for each routine start (problems, skips and lifecycle are still logged)')
    .option(
      '--max-concurrent <n>',
      'the most runs at once; a fire beyond it waits for a run to end, late (>2s) and lost fires are logged once a minute (default 32)',
      parseMaxConcurrent,
    )
    .action(async (_o, cmd: Command) => {
      const { runDaemonStart } = await import('./commands/daemon.ts');
      code = await runDaemonStart(globals(cmd), io);
    });
  declare(daemon.command('stop'), GLOBAL_OPTIONS)
    .description('send SIGTERM to the daemon in the PID file (only one hb can verify as the daemon it recorded) and wait for it to exit')
    .option('--pid-file <file>', 'PID file (default <state>/daemon.pid)')
    .option('--timeout <duration>', "how long to wait (default: the daemon's stop timeout + 15s; 0: do not wait)", parseStopWait)
    .action(async (_o, cmd: Command) => {
      const { runDaemonStop } = await import('./commands/daemon.ts');
      code = await runDaemonStop(globals(cmd), io);
    });
  declare(daemon.command('status'), GLOBAL_OPTIONS)
    .description(
      'is the daemon running: pid, uptime, its load, jobs and their next runs (exit 0 running, 1 not, 2 a PID file naming a process hb cannot verify)',
    )
    .option('--pid-file <file>', 'PID file (default <state>/daemon.pid)')
    .option('--json', 'print JSON')
    .action(async (_o, cmd: Command) => {
      const { runDaemonStatus } = await import('./commands/daemon.ts');
      code = await runDaemonStatus(globals(cmd), io);
    });

  command('crontab')
    .description(
      "hb's cron lines (every configured job plus the meta-heartbeat, absolute paths) in a marked block: print, install, diff, uninstall; --adopt wraps existing cron jobs in hb wrap",
    )
    .option('--install', "merge the block into the user's crontab (every other line kept)")
    .option('--uninstall', 'remove only the block (with --file: the file too when nothing else is left)')
    .option('--diff', 'show what --install, --uninstall or --file would change, change nothing')
    .option('--file <path>', 'write the block into a system crontab such as /etc/cron.d/hb (user field, mode 0644; a link, device or FIFO is refused)')
    .option('--user <name>', 'whose crontab (crontab -u, needs root), or the user field of --file (default: you)', parseCrontabUser)
    .option(
      '--adopt',
      'show how each existing cron job would run through hb wrap (user crontab, /etc/crontab, /etc/cron.d); a file cron ignores is left as it is',
    )
    .option('--apply', 'with --adopt: write it, after a backup in the state directory')
    .option('--undo', 'restore the crontabs from the last --adopt --apply backup')
    .option('--crontab <file...>', 'with --adopt: these crontab files instead of the system ones')
    .option('--system', 'with --crontab: read them as system crontabs (a user field after the schedule); default: guessed, refused when unsure')
    .option('--user-crontab', 'with --crontab: read them as user crontabs (no user field)')
    .addHelpText(
      'after',
      `
Examples:
  hb crontab                                   print the block
  hb crontab --diff && hb crontab --install    preview, then install into your crontab
  hb crontab --file /etc/cron.d/hb --user root a system file (as root)
  hb crontab --uninstall                       take the block out again
  hb crontab --adopt                           what wrapping the existing cron jobs would change
  hb crontab --adopt --apply                   do it (backup kept)
  hb crontab --undo                            put the adopted crontabs back

Lines marked "# hb: ignore" (on the line before) are never adopted, nor lines under an
"#Ansible: NAME" marker (or Puppet's, Chef's): adopt prints the job: value for the playbook.
Docs: docs/cli.md, docs/cron-pitfalls.md, docs/ansible.md`,
    )
    .action(async (_o, cmd: Command) => {
      const { runCrontab } = await import('./commands/crontab.ts');
      code = await runCrontab(globals(cmd), io);
    });

  command('systemd')
    .argument('[job...]', 'jobs to generate units for (default: every scheduled job and the meta-heartbeat)')
    .description('systemd .service + .timer pairs equivalent to the cron schedules (OnCalendar=, Persistent=true)')
    .option(
      '--output-dir <dir>',
      'write the unit files there atomically (mode 0644) instead of printing them (a unit name that is a link or not a regular file is refused)',
    )
    .option('--user <name>', 'run the services as this user (User=)', parseSystemdUser)
    .option('--daemon', 'write hb-daemon.service (Type=notify, WatchdogSec=) running hb daemon, instead of a timer per job')
    .option(
      '--allow-ping-only',
      'write timers for jobs that have a schedule but no command (refused otherwise): they only ping, so hb check sees them on time whatever happens; warns on stderr',
    )
    .option('--textfile <path>', "the meta-heartbeat's service also writes the Prometheus textfile there (hb check --textfile PATH; must end in .prom)")
    .addHelpText(
      'after',
      '\nExamples:\n  hb systemd\n  hb systemd --output-dir /etc/systemd/system\n  hb systemd hb-check --textfile /var/lib/prometheus/node-exporter/hb.prom --output-dir /etc/systemd/system\n  hb systemd backup --user backup --output-dir /etc/systemd/system\n  hb systemd sync --allow-ping-only            a timer that only pings sync (its config has no command)\n  hb systemd --daemon --output-dir /etc/systemd/system',
    )
    .action(async (jobs: string[], _o, cmd: Command) => {
      const { runSystemd } = await import('./commands/systemd.ts');
      code = await runSystemd(jobs, globals(cmd), io);
    });

  command('next')
    .argument('<expr>', 'cron expression or macro (@hourly, @daily, …), or a job: its maintenance windows')
    .description('the next times a cron schedule fires, with their UTC offsets; for a job, its next maintenance windows')
    .option('--tz <zone>', 'time zone (default: the host zone)')
    .option('--from <iso>', 'start from this time (default: now)')
    .option('-n <count>', 'how many (default 5)', parseNextCount)
    .option('--json', 'print {"next": [...]}')
    .addHelpText(
      'after',
      "\nExamples:\n  hb next '30 2 * * *' --tz Europe/Berlin --from 2026-03-28T00:00:00Z -n 3\n  hb next @weekly --json\n  hb next backup -n 3                    the next 3 maintenance windows of the job backup",
    )
    .action(async (expr: string, _o, cmd: Command) => {
      const { runNext } = await import('./commands/next.ts');
      const o = globals(cmd) as { tz?: string; from?: string; n?: number; json?: boolean };
      // Only `hb next JOB` reads the config: an expression needs none.
      const loadConfig = async (job: string) => {
        const { loadContext } = await import('./context.ts');
        return (await loadContext(globals(cmd), io, undefined, { jobs: [job] })).config;
      };
      code = await runNext(expr, o, { out: io.out, err: io.err, now: io.now, defaultTz: io.localTz(), loadConfig });
    });

  command('completion')
    .addArgument(new Argument('[shell]', 'the shell to complete in').choices(['bash', 'zsh', 'fish']))
    .description('a completion script for bash, zsh or fish: commands, options, their values and job names')
    .addOption(new Option('--jobs', "print the job names the scripts offer (the state directory's and the config's); writes nothing").hideHelp())
    .addHelpText(
      'after',
      '\nJob names are asked of hb as you type (hb completion --jobs: the jobs in the state directory and the config, reading only).\n\nExamples:\n  source <(hb completion bash)                          in ~/.bashrc\n  hb completion zsh > "${fpath[1]}/_hb"                  then start a new zsh (compinit loads it)\n  hb completion fish > ~/.config/fish/completions/hb.fish\n\nDocs: docs/cli.md',
    )
    .action(async (shell: string | undefined, _o, cmd: Command) => {
      const { runCompletion } = await import('./commands/completion.ts');
      code = await runCompletion(shell, globals(cmd), program, io);
    });

  return { program, exitCode: () => code };
}

/** A usage error naming the arguments `cmd` does not take, with the usage line. */
function refuseExtraArguments(cmd: Command): void {
  const declared = cmd.registeredArguments;
  // `hb daemon foo` says which subcommands exist (its own action) before any count of words.
  if (declared.at(-1)?.variadic || cmd.commands.length > 0) return;
  const extra = cmd.args.slice(declared.length);
  if (extra.length === 0) return;
  const path: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) path.unshift(c.name());
  const words = extra.map((a) => `"${visible(a)}"`).join(', ');
  throw new UsageError(`${path.join(' ')}: unexpected argument${extra.length > 1 ? 's' : ''} ${words}; usage: hb ${path.join(' ')} ${cmd.usage()}`);
}

/** Adds the fleet view's options to status or report: --prometheus (described by `what`) and the three that only work with it. */
function withFleetOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--prometheus <url>', what, parsePrometheusUrl)
    .option('--timeout <duration>', 'with --prometheus: how long each query may take (default 5s)', parseQueryTimeout)
    .option('--stale-after <duration>', 'with --prometheus: a host whose hb check is older is a blocker (default 3m)', parseStaleAfter)
    .option('--host-label <label>', 'with --prometheus: the label that names a host (default instance)', parseHostLabel);
}

/** Refuses --timeout, --stale-after and --host-label of status and report without --prometheus: they would be silently ignored. */
function refuseFleetFlagsAlone(cmd: Command): void {
  const o = cmd.opts<{ prometheus?: string; timeout?: number; staleAfter?: number; hostLabel?: string }>();
  if (o.prometheus !== undefined) return;
  const given = [o.timeout !== undefined && '--timeout', o.staleAfter !== undefined && '--stale-after', o.hostLabel !== undefined && '--host-label'].filter(
    Boolean,
  );
  if (given.length > 0) throw new UsageError(`${cmd.name()}: ${given.join(', ')} ${given.length === 1 ? 'needs' : 'need'} --prometheus URL (the fleet view)`);
}

function wantsNagios(argv: string[]): boolean {
  const i = argv.indexOf('--format');
  return argv.includes('--format=nagios') || (i >= 0 && argv[i + 1] === 'nagios');
}
