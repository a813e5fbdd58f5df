// Entry point. cron starts this on every tick, so the common `hb tick` / `hb wrap` / `hb check`
// lines run without loading commander; everything else goes through bin/cli.ts.
import { processIo } from './io.ts';
import { parseFast } from './options.ts';
import { runHot } from './hot.ts';
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
  // --no-color anywhere on the line, as bin/cli.ts reads it.
  const io = processIo(argv.includes('--no-color'));
  try {
    process.exitCode = await runHot(fast, io);
  } catch (e) {
    process.exitCode = reportError(e, io, fast.options.format === 'nagios');
  }
} else {
  const { main } = await import('./cli.ts');
  process.exitCode = await main(argv);
}
