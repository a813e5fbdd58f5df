// The import boundary of lib/ and bin/, read from the sources with TypeScript's own parser: the
// modules that decide reach no I/O and touch no process, clock or network; lib/ never imports
// bin/; no module imports itself back; the bottom folders import no other lib/ folder.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The modules that decide: everything under lib/rules/ (a path ending in `/**` is every module
 * under it, `!path` would take one back out, a path names one module). Each must reach no I/O
 * module through value imports (static or `import()`), import no module outside the pure set,
 * and use neither `process`, `Date.now()`, a bare `new Date()` nor the global `fetch`: the clock,
 * the process and the network come in as data.
 */
const PURE: readonly string[] = ['lib/rules/**'];

/** Folders every other adapter may build on: they import nothing of lib/ but themselves and the rules. */
const BOTTOM: readonly string[] = ['lib/adapters/fs'];

/** Imports that read or write files, run programs, reach the network or ask the host. */
const IO_MODULES: ReadonlySet<string> = new Set(['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'dgram', 'os', 'execa', 'write-file-atomic']);

/** One import: where from, what it names (a source path, or a package as written), at which line. */
interface Edge {
  from: string;
  to: string;
  line: number;
  /** `import type`/`export type`: gone from the built code. (`import { type A }` still loads the module: verbatimModuleSyntax.) */
  typeOnly: boolean;
}

/** One module's imports and the uses of the process, clock and network a pure module may not make. */
interface Module {
  path: string;
  edges: Edge[];
  ambient: string[];
}

/** Reads one module's imports and ambient uses from its text. */
function readModule(path: string, text: string): Module {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const edges: Edge[] = [];
  const ambient: Array<{ name: string; what: string; line: number }> = [];
  const declared = new Set<string>();
  const add = (spec: string, node: ts.Node, typeOnly: boolean) => {
    const to = spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(path), spec)) : spec.replace(/^node:/, '');
    edges.push({ from: path, to, line: lineOf(node), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node, !!node.importClause?.isTypeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      add(arg && ts.isStringLiteralLike(arg) ? arg.text : '<a computed import()>', node, false);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      add(node.moduleReference.expression.text, node, node.isTypeOnly);
    }
    if (
      (ts.isVariableDeclaration(node) ||
        ts.isParameter(node) ||
        ts.isFunctionDeclaration(node) ||
        ts.isImportSpecifier(node) ||
        ts.isImportClause(node) ||
        ts.isNamespaceImport(node)) &&
      node.name &&
      ts.isIdentifier(node.name)
    ) {
      declared.add(node.name.text);
    }
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'process') {
      ambient.push({ name: 'process', what: `process.${node.name.text}`, line: lineOf(node) });
    } else if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === 'Date' &&
      node.expression.name.text === 'now'
    ) {
      ambient.push({ name: 'Date', what: 'Date.now()', line: lineOf(node) });
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && (node.arguments?.length ?? 0) === 0) {
      ambient.push({ name: 'Date', what: 'new Date()', line: lineOf(node) });
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'fetch') {
      ambient.push({ name: 'fetch', what: 'fetch()', line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  // A parameter or import of that name is the module's own (an injected clock or fetch), not the global.
  return { path, edges, ambient: ambient.filter((a) => !declared.has(a.name)).map((a) => `${path}:${a.line} uses ${a.what}`) };
}

/** Whether `path` is among the modules `patterns` declare pure. */
function isPure(path: string, patterns: readonly string[]): boolean {
  const matches = (p: string) => (p.endsWith('/**') ? path.startsWith(p.slice(0, -2)) : path === p);
  return patterns.some((p) => !p.startsWith('!') && matches(p)) && !patterns.some((p) => p.startsWith('!') && matches(p.slice(1)));
}

/** Every way the modules break the boundary, one line each, naming the import chain. */
function boundaryProblems(sources: ReadonlyMap<string, string>, pure: readonly string[], bottom: readonly string[]): string[] {
  const modules = new Map([...sources].map(([path, text]) => [path, readModule(path, text)]));
  const problems: string[] = [];
  const values = (path: string) => (modules.get(path)?.edges ?? []).filter((e) => !e.typeOnly);
  for (const m of modules.values()) {
    for (const e of m.edges) {
      if ((e.to.startsWith('lib/') || e.to.startsWith('bin/')) && !modules.has(e.to))
        problems.push(`${e.from}:${e.line} imports ${e.to}, which is not a module of lib/ or bin/`);
      if (e.to.startsWith('<')) problems.push(`${e.from}:${e.line} has ${e.to}: the boundary cannot be checked`);
      if (e.from.startsWith('lib/') && e.to.startsWith('bin/')) problems.push(`${e.from}:${e.line} imports ${e.to}: lib/ never imports bin/`);
    }
  }
  for (const p of pure) {
    const path = p.replace(/^!/, '');
    const found = path.endsWith('/**') ? [...modules.keys()].some((k) => k.startsWith(path.slice(0, -2))) : modules.has(path);
    if (!found) problems.push(`the pure list names ${p}, which matches no module`);
  }
  // (a) and (b): breadth first from each pure module, so the chain named is a shortest one.
  for (const start of [...modules.keys()].filter((k) => isPure(k, pure)).sort()) {
    problems.push(...modules.get(start)!.ambient.map((a) => `${a}: a pure module gets the process, the clock and the network as data`));
    const cameFrom = new Map<string, string | null>([[start, null]]);
    const queue = [start];
    let io: { at: string; to: string } | null = null;
    while (queue.length > 0 && !io) {
      const at = queue.shift()!;
      for (const e of values(at)) {
        if (IO_MODULES.has(e.to)) {
          io = { at, to: e.to };
          break;
        }
        if (modules.has(e.to) && !cameFrom.has(e.to)) {
          cameFrom.set(e.to, at);
          queue.push(e.to);
        }
      }
    }
    if (io) {
      const chain = [io.to === 'execa' || io.to === 'write-file-atomic' ? io.to : `node:${io.to}`];
      for (let at: string | null = io.at; at !== null; at = cameFrom.get(at) ?? null) chain.unshift(at);
      problems.push(`${start} is declared pure but reaches I/O: ${chain.join(' → ')}`);
    }
  }
  // A rule builds on rules only: a module that merely happens to do no I/O yet is still not a rule.
  for (const m of modules.values()) {
    if (!isPure(m.path, pure)) continue;
    for (const e of values(m.path)) {
      if (e.to.startsWith('lib/') && modules.has(e.to) && !isPure(e.to, pure))
        problems.push(`${e.from}:${e.line} imports ${e.to}: a pure module imports only pure modules`);
    }
  }
  // (d) a cycle of value imports between modules; a bottom folder that builds on another.
  problems.push(...cycles(modules, values));
  for (const m of modules.values()) {
    const base = bottom.find((b) => m.path.startsWith(`${b}/`));
    for (const e of base ? m.edges : []) {
      if (e.to.startsWith('lib/') && !e.to.startsWith(`${base}/`) && !isPure(e.to, pure))
        problems.push(`${e.from}:${e.line} imports ${e.to}: ${base}/ is a bottom folder, it imports nothing of lib/ but itself and the pure modules`);
    }
  }
  return problems;
}

/** Each cycle of value imports, named once, by its modules in import order. */
function cycles(modules: ReadonlyMap<string, Module>, values: (path: string) => Edge[]): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const walk = (at: string): void => {
    onPath.push(at);
    for (const e of values(at)) {
      if (!modules.has(e.to)) continue;
      const i = onPath.indexOf(e.to);
      if (i >= 0) found.push(`import cycle: ${[...onPath.slice(i), e.to].join(' → ')}`);
      else if (!done.has(e.to)) walk(e.to);
    }
    onPath.pop();
    done.add(at);
  };
  for (const path of [...modules.keys()].sort()) if (!done.has(path)) walk(path);
  return found;
}

/** The source files of lib/ and bin/, keyed by their path from the repository root. */
function repositorySources(): Map<string, string> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.set(path, readFileSync(join(root, path), 'utf8'));
    }
  };
  walk('lib');
  walk('bin');
  return out;
}

test('lib/ and bin/ keep the boundary: lib/rules/ reaches no I/O and imports only rules, lib/ never imports bin/, lib/adapters/fs/ builds on rules only, no import cycles', () => {
  const sources = repositorySources();
  assert.ok(sources.size > 100, `expected the modules of lib/ and bin/, found ${sources.size}`);
  assert.deepEqual(boundaryProblems(sources, PURE, BOTTOM), []);
});

test('the boundary check names the chain to I/O, the ambient use, the bin/ import, the cycle and the bottom folder import it finds', () => {
  const sources = new Map([
    [
      'lib/rules/decide.ts',
      "import { helper } from './helper.ts';\nimport type { Shape } from '../io/store.ts';\nexport const decide = (s: Shape) => helper(s);\n",
    ],
    ['lib/rules/helper.ts', "import { save } from '../io/store.ts';\nexport const helper = (x: unknown) => save(x);\n"],
    [
      'lib/rules/clock.ts',
      'export const now = () => Date.now();\nexport const stamp = () => new Date();\nexport const at = (ms: number) => new Date(ms);\nexport const pid = () => process.pid;\n',
    ],
    ['lib/rules/injected.ts', 'export const get = (fetch: (u: string) => Promise<unknown>) => fetch("http://127.0.0.1/");\n'],
    ['lib/rules/inline.ts', "import { type Shape } from '../io/store.ts';\nexport const same = (s: Shape) => s;\n"],
    ['lib/rules/lazy.ts', "export const later = () => import('../io/net.ts');\n"],
    ['lib/rules/leans.ts', "import { quiet } from '../io/quiet.ts';\nexport const leans = () => quiet;\n"],
    ['lib/io/quiet.ts', 'export const quiet = 0;\n'],
    [
      'lib/io/store.ts',
      "import { writeFileSync } from 'node:fs';\nexport type Shape = number;\nexport const save = (x: unknown) => writeFileSync('/dev/null', String(x));\n",
    ],
    ['lib/io/net.ts', "import { connect } from 'node:net';\nimport { usage } from '../../bin/usage.ts';\nexport const dial = () => connect(1) && usage;\n"],
    ['lib/io/a.ts', "import { b } from './b.ts';\nexport const a = () => b;\n"],
    ['lib/io/b.ts', "import { a } from './a.ts';\nimport type { Shape } from '../rules/decide.ts';\nexport const b = (s: Shape) => a && s;\n"],
    ['lib/state/dir.ts', "import { writeAtomic } from '../fs/atomic.ts';\nexport const open = () => writeAtomic;\n"],
    ['lib/state/modes.ts', 'export const MODE = 0o640;\n'],
    ['lib/fs/atomic.ts', "import { MODE } from '../state/modes.ts';\nexport const writeAtomic = () => MODE;\n"],
    ['bin/usage.ts', 'export const usage = 1;\n'],
  ]);
  assert.deepEqual(boundaryProblems(sources, ['lib/rules/**', 'lib/none.ts'], ['lib/fs']), [
    'lib/io/net.ts:2 imports bin/usage.ts: lib/ never imports bin/',
    'the pure list names lib/none.ts, which matches no module',
    'lib/rules/clock.ts:1 uses Date.now(): a pure module gets the process, the clock and the network as data',
    'lib/rules/clock.ts:2 uses new Date(): a pure module gets the process, the clock and the network as data',
    'lib/rules/clock.ts:4 uses process.pid: a pure module gets the process, the clock and the network as data',
    'lib/rules/decide.ts is declared pure but reaches I/O: lib/rules/decide.ts → lib/rules/helper.ts → lib/io/store.ts → node:fs',
    'lib/rules/helper.ts is declared pure but reaches I/O: lib/rules/helper.ts → lib/io/store.ts → node:fs',
    'lib/rules/inline.ts is declared pure but reaches I/O: lib/rules/inline.ts → lib/io/store.ts → node:fs',
    'lib/rules/lazy.ts is declared pure but reaches I/O: lib/rules/lazy.ts → lib/io/net.ts → node:net',
    'lib/rules/helper.ts:1 imports lib/io/store.ts: a pure module imports only pure modules',
    'lib/rules/inline.ts:1 imports lib/io/store.ts: a pure module imports only pure modules',
    'lib/rules/lazy.ts:1 imports lib/io/net.ts: a pure module imports only pure modules',
    'lib/rules/leans.ts:1 imports lib/io/quiet.ts: a pure module imports only pure modules',
    'import cycle: lib/io/a.ts → lib/io/b.ts → lib/io/a.ts',
    'lib/fs/atomic.ts:1 imports lib/state/modes.ts: lib/fs/ is a bottom folder, it imports nothing of lib/ but itself and the pure modules',
  ]);
});
