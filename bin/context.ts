// What every command needs first, the config and the state directory choice, as the command
// line gives it: the finding itself is lib/adapters/config/context.ts's, which the Node API shares.

import type { ContextOptions } from '../lib/adapters/config/context.ts';

export { configStateDir, loadContext, refuseUntrustedConfig, stateDirFor, type Context } from '../lib/adapters/config/context.ts';

/** The global options every command accepts. */
export interface GlobalOptions extends ContextOptions {
  json?: boolean;
  color?: boolean;
}
