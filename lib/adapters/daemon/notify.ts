// systemd's notify protocol for `Type=notify` units: READY=1, WATCHDOG=1, STOPPING=1, sent by
// running `systemd-notify` (Node has no datagram unix sockets). The sender is injected.

/** The variables systemd hands a notify service; never passed on to the jobs. */
export const NOTIFY_VARS = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/** Whether to notify, and how often to feed the watchdog (half its timeout, as sd_watchdog_enabled advises). */
export interface NotifySettings {
  socket: string | null;
  watchdogMs: number | null;
}

/** Reads the settings from the environment systemd gave `pid`. */
export function notifySettings(env: NodeJS.ProcessEnv, pid: number): NotifySettings {
  const socket = env.NOTIFY_SOCKET ? env.NOTIFY_SOCKET : null;
  const usec = Number(env.WATCHDOG_USEC);
  const forUs = !env.WATCHDOG_PID || Number(env.WATCHDOG_PID) === pid;
  const watchdogMs = socket && forUs && Number.isFinite(usec) && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : null;
  return { socket, watchdogMs };
}

/** The environment for a job: the caller's, without the notify variables (a job is not the service). */
export function jobEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of NOTIFY_VARS) delete out[name];
  return out;
}

/** Sends one notification; resolves to null on success, else why it failed (`missing` when the tool is absent). */
export type NotifySend = (args: string[]) => Promise<{ missing: boolean; error: string } | null>;

/** Sends notifications and says once, not every time, when they cannot be sent. */
export class Notifier {
  private disabled = false;
  private failing = false;

  constructor(
    private readonly send: NotifySend,
    private readonly log: (message: string) => void,
  ) {}

  /** Scheduling has started. */
  ready(status: string): Promise<void> {
    return this.notify(['--ready', `--status=${status}`]);
  }

  /** The loop is alive. */
  watchdog(): Promise<void> {
    return this.notify(['WATCHDOG=1']);
  }

  /** The daemon is shutting down. */
  stopping(): Promise<void> {
    return this.notify(['STOPPING=1']);
  }

  private async notify(args: string[]): Promise<void> {
    if (this.disabled) return;
    const failure = await this.send(args);
    if (failure === null) {
      this.failing = false;
      return;
    }
    if (failure.missing) {
      this.disabled = true;
      this.log(`NOTIFY_SOCKET is set but ${failure.error}: no READY/WATCHDOG notifications will be sent`);
    } else if (!this.failing) {
      this.failing = true;
      this.log(`systemd-notify ${args.join(' ')} failed: ${failure.error} (said once until it works again)`);
    }
  }
}

/** The real sender: runs `systemd-notify ARGS` (it waits until the manager has read the message). */
export function systemdNotify(env: NodeJS.ProcessEnv): NotifySend {
  return async (args) => {
    const { spawn } = await import('node:child_process');
    return new Promise((done) => {
      const child = spawn('systemd-notify', args, { stdio: ['ignore', 'ignore', 'pipe'], env });
      // Our own deadline, not spawn's `timeout`: that one's timer outlives a program that never
      // started (ENOENT), holding a stopping daemon open for its full 10 s.
      const deadline = setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      const finish = (failure: { missing: boolean; error: string } | null) => {
        clearTimeout(deadline);
        done(failure);
      };
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', (e: NodeJS.ErrnoException) =>
        finish(e.code === 'ENOENT' ? { missing: true, error: 'systemd-notify is not installed (not found on PATH)' } : { missing: false, error: e.message }),
      );
      child.on('close', (code, signal) => finish(code === 0 ? null : { missing: false, error: stderr.trim() || `exit ${code ?? signal}` }));
    });
  };
}
