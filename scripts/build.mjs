// Builds dist/ with esbuild in three parts:
//  - dist/hb.js: the entry and the hot path (tick, wrap) in ONE file, so cron's most frequent
//    command lines load a single module;
//  - dist/check.js: the meta-heartbeat, run every minute, also in one file (each extra module
//    file costs the loader about 2 ms); what only some checks need — alerting, the JSON, Nagios
//    and Prometheus renderers, the textfile writer, the outbox, the YAML config — stays in
//    separate files it imports when it needs them;
//  - dist/cli.js, the config loader and those lazily loaded parts, with shared chunks: commander
//    and the other commands, each loaded only when needed;
//  - dist/api.js, the Node API (lib/api.ts) with its declarations (dist/api.d.ts): no command
//    line code; it imports the lazily loaded parts above when it needs them.
// Imports of separate modules become imports of their output files.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { emitApiTypes } from './api-types.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// Source module → the output file it is built into (an entry of the last build below).
const LAZY = {
  'bin/cli.ts': 'cli',
  'bin/commands/check.ts': 'check',
  // The check pipeline's scan and judge, for hb status and hb report: one file, as check.js is.
  'lib/check/evaluate.ts': 'evaluate',
  'lib/run/notifications.ts': 'run-notify',
  // hb wrap --ping / HB_PING_URL: loaded only when a run is given a ping URL.
  'lib/run/ping.ts': 'run-ping',
  'bin/first-run-hint.ts': 'first-run-hint',
  'lib/check/act.ts': 'act',
  // What a check looks into when a job is a problem (evidence, root causes): never on the healthy path.
  'lib/check/explain.ts': 'explain',
  'lib/adapters/config/load.ts': 'config-load',
  'lib/rules/format/json.ts': 'format-json',
  'lib/rules/format/nagios.ts': 'format-nagios',
  'lib/rules/format/prometheus.ts': 'format-prometheus',
  'lib/adapters/format/textfile.ts': 'format-textfile',
  'lib/adapters/alerts/outbox.ts': 'outbox',
  // hb wrap's default job name: loaded only by a wrap without --job (check.js keeps it inside).
  'lib/rules/crontab/job-names.ts': 'job-names',
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  define: { __HB_VERSION__: JSON.stringify(pkg.version) },
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};

/** Makes imports of the `external` source modules imports of their output files. */
const separate = (external) => ({
  name: 'separate-bundles',
  setup(b) {
    b.onResolve({ filter: /\.ts$/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const rel = new URL(args.path, `file://${args.resolveDir}/`).pathname.slice(process.cwd().length + 1);
      return external.includes(rel) ? { path: `./${LAZY[rel]}.js`, external: true } : undefined;
    });
  },
});
const modules = Object.keys(LAZY);
const except = (...kept) => modules.filter((m) => !kept.includes(m));

const hot = await build({
  ...common,
  entryPoints: ['bin/hb.ts'],
  outfile: 'dist/hb.js',
  plugins: [separate(modules)],
  banner: { js: '#!/usr/bin/env node' },
});
// check.js and evaluate.js each hold the check pipeline whole; everything else lazy stays outside.
const outsideTheCheck = separate(except('bin/commands/check.ts', 'lib/check/evaluate.ts', 'lib/rules/crontab/job-names.ts'));
const check = await build({
  ...common,
  entryPoints: ['bin/commands/check.ts'],
  outfile: 'dist/check.js',
  plugins: [outsideTheCheck],
});
const evaluate = await build({
  ...common,
  entryPoints: ['lib/check/evaluate.ts'],
  outfile: 'dist/evaluate.js',
  plugins: [outsideTheCheck],
});
// CommonJS dependencies (yaml, commander's core) bundled into ESM still call require() for
// Node built-ins; hb.js and check.js have none and do without.
const rest = await build({
  ...common,
  entryPoints: Object.fromEntries(
    Object.entries(LAZY)
      .filter(([, out]) => out !== 'check' && out !== 'evaluate')
      .map(([src, out]) => [out, src]),
  ),
  outdir: 'dist',
  splitting: true,
  // Beside the entries: an external import such as ./check.js is written verbatim into chunks.
  chunkNames: '[name]-[hash]',
  plugins: [separate(['bin/commands/check.ts', 'lib/check/evaluate.ts'])],
  banner: { js: "import { createRequire as __hbCreateRequire } from 'node:module';\nconst require = __hbCreateRequire(import.meta.url);" },
});

// The Node API (`import … from 'hb'`): its own file, which never loads the command line; the
// check pipeline and the lazily loaded parts are the files above, imported when it needs them.
const api = await build({
  ...common,
  entryPoints: ['lib/api.ts'],
  outfile: 'dist/api.js',
  // The crontab lookup of check() and of the unscheduled hint names jobs as wrap does: kept inside.
  plugins: [separate(except('lib/rules/crontab/job-names.ts'))],
});
emitApiTypes(fileURLToPath(new URL('../tsconfig.api.json', import.meta.url)), 'api.d.ts');

// Which source modules went into which output file: tests use it to prove lazy loading.
const outputs = { ...hot.metafile.outputs, ...check.metafile.outputs, ...evaluate.metafile.outputs, ...rest.metafile.outputs, ...api.metafile.outputs };
writeFileSync(new URL('../dist/meta.json', import.meta.url), JSON.stringify({ outputs }));
