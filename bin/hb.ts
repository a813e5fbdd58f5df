// Entry point. cron starts this on every tick, so the common `hb tick` / `hb wrap` / `hb check`
// lines run without loading commander; everything else goes through bin/cli.ts.
import { processIo } from './io.ts';
import { parseFast } from './options.ts';
import { reportError } from './report-error.ts';

// The compile cache exists from Node 22.1; on 20 even importing node:module only costs time.
if (Number(process.versions.node.split('.')[0]) >= 22) {
  const module = (await import('node:module')) as { enableCompileCache?: () => unknown };
  try {
    module.enableCompileCache?.();
  } catch {
    // A cache that cannot be written only costs speed.
  }
}

const argv = process.argv.slice(2);
const fast = parseFast(argv);
if (fast) {
  const io = processIo(fast.options.color === false);
  try {
    if (fast.command === 'tick') {
      const { runTick } = await import('./commands/tick.ts');
      process.exitCode = await runTick(fast.operands[0]!, fast.options, io);
    } else if (fast.command === 'wrap') {
      const { runWrap } = await import('./commands/wrap.ts');
      process.exitCode = await runWrap(fast.operands, fast.options, io);
    } else {
      const { runCheck } = await import('./commands/check.ts');
      process.exitCode = await runCheck(fast.operands, fast.options, io);
    }
  } catch (e) {
    process.exitCode = reportError(e, io, fast.options.format === 'nagios');
  }
} else {
  const { main } = await import('./cli.ts');
  process.exitCode = await main(argv);
}
