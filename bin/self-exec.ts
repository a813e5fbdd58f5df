// The hb that runs now, as a generated crontab line or unit must start it: this node, this
// script (symlinks resolved), the config in use and a state directory cron would not pass on.

import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { HbError } from '../lib/rules/errors.ts';
import type { HbExec } from '../lib/rules/hb-exec.ts';
import type { Context } from './context.ts';

/**
 * Absolute paths only. The state directory is passed on when it came from --state-dir or
 * $HB_STATE_DIR: cron and systemd start hb without the caller's environment.
 */
export function selfExec(ctx: Context, cwd: string): HbExec {
  const entry = process.argv[1];
  if (!entry) throw new HbError('cannot tell where hb is installed (no script path in argv)');
  const passState = ctx.state.source === '--state-dir' || ctx.state.source === '$HB_STATE_DIR';
  return {
    node: process.execPath,
    hb: realpathSync(entry),
    ...(ctx.config.file ? { config: resolve(cwd, ctx.config.file) } : {}),
    ...(passState ? { stateDir: ctx.state.dir } : {}),
  };
}
