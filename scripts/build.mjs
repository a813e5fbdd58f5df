// Builds dist/ with esbuild in two parts:
//  - dist/hb.js: the entry and the hot path (tick, wrap) in ONE file, so cron's most frequent
//    command lines load a single module;
//  - dist/cli.js, dist/check.js and dist/config-load.js with shared chunks: commander and the
//    other commands, the meta-heartbeat, and the YAML config loader, each loaded only when needed. hb.js imports them as external files.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// Modules that stay out of hb.js: imports of these source files become imports of these outputs.
const SEPARATE = {
  'bin/cli.ts': './cli.js',
  'bin/commands/check.ts': './check.js',
  'bin/commands/run-notify.ts': './run-notify.js',
  'lib/config/load.ts': './config-load.js',
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

const separate = {
  name: 'separate-bundles',
  setup(b) {
    b.onResolve({ filter: /(cli|check|run-notify|config\/load)\.ts$/ }, (args) => {
      const rel = new URL(args.path, `file://${args.resolveDir}/`).pathname.slice(process.cwd().length + 1);
      return SEPARATE[rel] ? { path: SEPARATE[rel], external: true } : undefined;
    });
  },
};

const hot = await build({
  ...common,
  entryPoints: ['bin/hb.ts'],
  outfile: 'dist/hb.js',
  plugins: [separate],
  banner: { js: '#!/usr/bin/env node' },
});
const rest = await build({
  ...common,
  entryPoints: { cli: 'bin/cli.ts', check: 'bin/commands/check.ts', 'run-notify': 'bin/commands/run-notify.ts', 'config-load': 'lib/config/load.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies (yaml, commander's core) bundled into ESM still call require() for
  // Node built-ins; hb.js has none and does without.
  banner: { js: "import { createRequire as __hbCreateRequire } from 'node:module';\nconst require = __hbCreateRequire(import.meta.url);" },
});

// Which source modules went into which output file: tests use it to prove lazy loading.
const outputs = { ...hot.metafile.outputs, ...rest.metafile.outputs };
writeFileSync(new URL('../dist/meta.json', import.meta.url), JSON.stringify({ outputs }));
