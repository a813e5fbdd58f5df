// The command-line layer: declares commands, lazy-loads each one, and maps errors to exit codes.

import type { Command } from 'commander';
import { HbError } from '../lib/errors.ts';
import { processIo, type Io } from './io.ts';
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

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const nagios = wantsNagios(argv);
  const io = processIo(argv.includes('--no-color'));
  try {
    return await run(argv, io, nagios);
  } catch (e) {
    return reportError(e, io, nagios);
  }
}

async function run(argv: string[], io: Io, nagios: boolean): Promise<number> {
  const { Command: CommandClass, Option } = await import('commander');
  const { HB_VERSION } = await import('../lib/version.ts');
  let code = 0;
  const program = new CommandClass('hb')
    .description('Make silent cron failures impossible: heartbeats, a meta-heartbeat, dead-man recovery.')
    .version(HB_VERSION, '-V, --version')
    .option('--config <file>', 'config file (default: $HB_CONFIG, ./hb.yaml, $XDG_CONFIG_HOME/hb/hb.yaml, /etc/hb/hb.yaml)')
    .option('--state-dir <dir>', 'state directory (default: $HB_STATE_DIR, state_dir in config, /var/lib/hb as root, else ~/.local/state/hb)')
    .option('--no-color', 'no colour (also NO_COLOR)')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: (text) => nagios || io.err(text), outputError: (text, write) => nagios || write(`hb: ${text.replace(/^error: /, '')}`) });

  // Global options are accepted after the command too (`hb tick x --state-dir D`), as crontab
  // lines are written; --no-color is read from argv by processIo.
  const command = (name: string) =>
    program
      .command(name)
      .option('--config <file>', 'config file')
      .option('--state-dir <dir>', 'state directory')
      .option('--no-color', 'no colour');
  const globals = (cmd: Command) => cmd.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
  const schedule = (cmd: Command) =>
    cmd
      .option('--every <duration>', 'expected interval, e.g. 15m')
      .option('--cron <expr>', 'expected cron schedule, e.g. "*/15 * * * *"')
      .option('--tz <zone>', 'time zone of --cron (default: the host zone)')
      .option('--grace <duration>', 'how late a run may be before it is a problem (default: one period)');

  schedule(command('tick').argument('<job>', 'job name'))
    .description("run the job's configured command (if any) and record its heartbeat")
    .addOption(new Option('--status <status>', 'outcome of a ping').choices(['ok', 'error']))
    .option('--action <text>', 'what the job did (free text, shown by hb status)')
    .option('--message <text>', 'a message to keep with the heartbeat')
    .option('--json', 'print the written heartbeat as JSON')
    .addHelpText('after', '\nExamples:\n  hb tick backup --every 1h\n  hb tick sync --cron "*/5 * * * *" --status error --message "upstream 503"')
    .action(async (job: string, _o, cmd: Command) => {
      const { runTick } = await import('./commands/tick.ts');
      code = await runTick(job, globals(cmd), io);
    });

  schedule(command('wrap').argument('<command...>', 'the command to run, after --'))
    .description('run an existing cron command, pass its output through and record its heartbeat')
    .option('--job <name>', "job name (default: the command's base name)")
    .option('--timeout <duration>', 'stop the command (TERM, then KILL) after this long')
    .option('--lock', 'refuse to start while another run of the same job is in progress')
    .option('--skip-code <n>', 'exit code when --lock skips a run (default 0)')
    .option('--tail <bytes>', 'bytes of output to keep in the heartbeat (default 4096)')
    .option('--action <text>', 'what the job does (free text, shown by hb status)')
    .passThroughOptions()
    .addHelpText('after', "\nExamples:\n  hb wrap -- /usr/local/bin/backup.sh --full\n  hb wrap --job sync --every 15m --timeout 10m --lock -- rsync -a src/ dst/")
    .action(async (command: string[], _o, cmd: Command) => {
      const { runWrap } = await import('./commands/wrap.ts');
      code = await runWrap(command, globals(cmd), io);
    });

  command('check')
    .argument('[job...]', 'jobs to check (default: all)')
    .description('the meta-heartbeat: evaluate every job, print the unhealthy ones, exit 1 if any')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'nagios', 'prometheus']).default('text'))
    .option('--json', 'same as --format json')
    .option('--textfile <path>', "also write Prometheus text atomically to PATH (node_exporter's textfile collector)")
    .option('--verbose', 'print every job, not only the unhealthy ones')
    .option('--dry-run', 'say what would be notified or restored, do none of it')
    .option('--no-notify', 'send no notifications')
    .option('--no-recover', 'run no recovery actions')
    .addHelpText('after', '\nExamples:\n  hb check || page-me\n  hb check --format nagios\n  hb check --textfile /var/lib/prometheus/node-exporter/hb.prom')
    .action(async (jobs: string[], _o, cmd: Command) => {
      const { runCheck } = await import('./commands/check.ts');
      code = await runCheck(jobs, globals(cmd), io);
    });

  command('status')
    .argument('[job...]', 'jobs to show (default: all)')
    .description('the heartbeat panel: status, age, interval, ratio, last exit, duration, cycle, action')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  hb status\n  hb status backup --json')
    .action(async (jobs: string[], _o, cmd: Command) => {
      const { runStatus } = await import('./commands/status.ts');
      code = await runStatus(jobs, globals(cmd), io);
    });

  command('next')
    .argument('<expr>', 'cron expression or macro (@hourly, @daily, …)')
    .description('the next times a cron schedule fires, with their UTC offsets')
    .option('--tz <zone>', 'time zone (default: the host zone)')
    .option('--from <iso>', 'start from this time (default: now)')
    .option('-n <count>', 'how many (default 5)')
    .option('--json', 'print {"next": [...]}')
    .addHelpText('after', "\nExamples:\n  hb next '30 2 * * *' --tz Europe/Berlin --from 2026-03-28T00:00:00Z -n 3\n  hb next @weekly --json")
    .action(async (expr: string, _o, cmd: Command) => {
      const { runNext } = await import('./commands/next.ts');
      const o = globals(cmd) as { tz?: string; from?: string; n?: string; json?: boolean };
      code = await runNext(expr, o, { out: io.out, now: io.now, defaultTz: io.localTz() });
    });

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
  return code;
}

function wantsNagios(argv: string[]): boolean {
  const i = argv.indexOf('--format');
  return argv.includes('--format=nagios') || (i >= 0 && argv[i + 1] === 'nagios');
}

/** The one place errors become exit codes. An empty message means commander already said it. */
function reportError(e: unknown, io: Io, nagios: boolean): number {
  const known = e instanceof HbError;
  const message = known ? e.message : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
  if (!known && io.env.HB_DEBUG) io.err(`${(e as Error)?.stack ?? String(e)}\n`);
  if (nagios) {
    io.out(`HB UNKNOWN - ${(message || 'bad usage').split('\n')[0]}\n`);
    return 3;
  }
  if (message) io.err(message.split('\n').map((line) => `hb: ${line}\n`).join(''));
  return known ? e.exitCode : 2;
}
