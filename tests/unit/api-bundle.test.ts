// The Node API's bundle as built (dist/, from `npm run build`): what dist/api.js and every file it
// can import are made of (esbuild's metafile), and the declarations shipped beside it.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
interface Output {
  inputs: Record<string, unknown>;
  imports?: { path: string; kind: string; external?: boolean }[];
}
const meta = JSON.parse(readFileSync(join(dist, 'meta.json'), 'utf8')) as { outputs: Record<string, Output> };

/** Every output file `entry` imports, statically or lazily, itself included (an external `./x.js` is the bundle dist/x.js). */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const output = meta.outputs[file];
    assert.ok(output, `${file} is in dist/meta.json`);
    seen.add(file);
    for (const i of output.imports ?? []) {
      if (i.path.startsWith('node:')) continue;
      if (!i.external) todo.push(i.path);
      else if (i.path.startsWith('./')) todo.push(`dist/${i.path.slice(2)}`);
    }
  }
  return [...seen];
}

/** The source modules of `files`, as the project names them (a node_modules reached through a symlink is `node_modules/…`). */
const sourcesOf = (files: string[]) =>
  files.flatMap((f) => Object.keys(meta.outputs[f]!.inputs)).map((i) => (i.includes('node_modules/') ? i.slice(i.indexOf('node_modules/')) : i));

const foreign = (sources: string[]) => sources.filter((s) => s.startsWith('node_modules/commander/') || s.startsWith('bin/'));

test('dist/api.js and every file it can import hold no commander and nothing of bin/', () => {
  const files = reachable('dist/api.js');
  const sources = sourcesOf(files);
  assert.ok(sources.includes('lib/api.ts') && sources.includes('lib/run/pipeline.ts') && sources.includes('lib/check/evaluate.ts'), 'the walk sees the API');
  assert.deepEqual(foreign(sources), []);
  // The same walk from the command line's entry finds both: it can see what it looks for.
  const cli = sourcesOf(reachable('dist/hb.js'));
  assert.ok(foreign(cli).some((s) => s.startsWith('node_modules/commander/')) && foreign(cli).includes('bin/cli.ts'));
});

test('dist/api.js holds the run pipeline itself and imports the check pipeline only as dist/evaluate.js, on demand', () => {
  const own = Object.keys(meta.outputs['dist/api.js']!.inputs);
  assert.ok(own.includes('lib/run/pipeline.ts') && own.includes('lib/run/task.ts'));
  assert.ok(!own.includes('lib/check/evaluate.ts') && !own.some((s) => s.includes('node_modules/yaml/')));
  const imports = meta.outputs['dist/api.js']!.imports ?? [];
  assert.deepEqual(
    imports.filter((i) => i.path === './evaluate.js').map((i) => i.kind),
    ['dynamic-import'],
  );
  assert.ok(!imports.some((i) => i.kind === 'import-statement' && !i.path.startsWith('node:')), 'no other file is loaded with it');
});

test("the command line's bundles hold nothing of the API", () => {
  for (const entry of ['dist/hb.js', 'dist/check.js', 'dist/cli.js']) {
    assert.deepEqual(
      Object.keys(meta.outputs[entry]!.inputs).filter((s) => s.startsWith('lib/api')),
      [],
      entry,
    );
  }
});

test('the shipped declarations import only what a consumer can resolve: ./x.js beside them, node: modules', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.d.ts')) files.push(join(dir, e.name));
    }
  };
  walk(dist);
  assert.ok(files.includes(join(dist, 'api.d.ts')));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from |import\()"([^"]+)"/g)) {
      const at = `${relative(dist, file)}: "${spec}"`;
      if (spec!.startsWith('node:')) continue;
      assert.match(spec!, /^\.\.?\/.*\.js$/, `${at} is a relative .js specifier`);
      assert.ok(files.includes(join(dirname(file), spec!.replace(/\.js$/, '.d.ts'))), `${at} is shipped`);
    }
  }
  const api = readFileSync(join(dist, 'api.d.ts'), 'utf8');
  for (const name of ['heartbeat', 'runJob', 'check', 'nextFires']) assert.match(api, new RegExp(`export declare function ${name}\\(`));
});
