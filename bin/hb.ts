// Entry point: cron starts this on every tick, so it does nothing but enable the compile cache
// (Node >= 22.1) and hand over to the CLI.
import module from 'node:module';

const cache = (module as { enableCompileCache?: () => unknown }).enableCompileCache;
if (typeof cache === 'function') {
  try {
    cache();
  } catch {
    // A cache that cannot be written only costs speed.
  }
}

const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
