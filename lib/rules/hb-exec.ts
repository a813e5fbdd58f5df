// How a generated line or unit starts hb: absolute paths to node and hb's script, plus the config
// and state directory the generating hb used, since cron and systemd give a job neither a useful
// PATH nor the caller's environment.

/** The node and hb that a crontab line or unit runs, and the options that make it find the same files. */
export interface HbExec {
  /** The node binary (process.execPath of the hb that generates the lines). */
  node: string;
  /** hb's entry script, a real path (symlinks resolved). */
  hb: string;
  /** The config file in use, absolute; omitted when hb runs without one. */
  config?: string;
  /** The state directory, absolute, when it came from --state-dir or $HB_STATE_DIR (which cron would not pass on). */
  stateDir?: string;
}

/** The whole argv: node, hb, the command's arguments, then --config/--state-dir. */
export function hbArgv(exec: HbExec, args: readonly string[]): string[] {
  const all = [exec.node, exec.hb, ...args];
  if (exec.config) all.push('--config', exec.config);
  if (exec.stateDir) all.push('--state-dir', exec.stateDir);
  return all;
}
