// The first thing to run after `npm ci`: hb on its embedded defaults (no config, no root) in a
// throw-away state directory. A few jobs tick, one goes stale, one crashes, and `hb check` says so.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const hbPath = fileURLToPath(new URL('../dist/hb.js', import.meta.url));
const state = mkdtempSync(join(tmpdir(), 'hb-demo-'));
const env = { ...process.env, HB_STATE_DIR: state, HB_CONFIG: '', XDG_CONFIG_HOME: join(state, 'no-config') };

function hb(args, note) {
  console.log(`\n$ hb ${args.map((a) => (/[\s'$;]/.test(a) ? `'${a}'` : a)).join(' ')}${note ? `    # ${note}` : ''}`);
  const r = spawnSync(process.execPath, [hbPath, ...args], { env, stdio: 'inherit' });
  if (r.status !== 0) console.log(`(exit ${r.status ?? r.signal})`);
  return r.status;
}

console.log(`hb demo: state directory ${state} (removed at the end)`);
hb(['tick', 'backup', '--every', '1h'], 'a pure ping: "backup ran, expect it hourly"');
hb(['wrap', '--job', 'report', '--cron', '0 6 * * *', '--', 'sh', '-c', 'echo "report built"'], 'run a command, pass its output through, record the outcome');
hb(['tick', 'sync', '--every', '1s', '--grace', '1s'], 'a job expected every second…');
hb(['wrap', '--job', 'agent', '--every', '5m', '--', 'sh', '-c', 'kill -9 $PPID'], '…and one whose runner is killed mid-run');
console.log('\n(waiting 2.5 s so "sync" misses its deadline)');
await new Promise((r) => setTimeout(r, 2500));
hb(['status'], 'the heartbeat panel');
const code = hb(['check'], 'the meta-heartbeat: exit 1 because sync is stale and agent crashed');
rmSync(state, { recursive: true, force: true });
console.log(code === 1 ? '\nhb check exited 1, as it should: wire it into cron as `hb check || page-me`.' : `\nunexpected: hb check exited ${code}`);
process.exitCode = code === 1 ? 0 : 1;
