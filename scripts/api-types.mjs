// Emits the declarations of hb's Node API (dist/api.d.ts and the lib/ modules its types come
// from) with TypeScript, from tsconfig.api.json. hb's sources import each other as `./x.ts`; in
// the shipped declarations each such specifier becomes `./x.js`, which a consumer's TypeScript
// resolves to `./x.d.ts` under any module resolution. Only the declarations api.d.ts reaches are
// written: the program holds all of lib/, the public types a handful of it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/** `./a/b.ts` → `./a/b.js`; anything else (a package, `node:fs`) unchanged. */
const jsSpecifier = (text) => (/^\.\.?\//.test(text) && text.endsWith('.ts') && !text.endsWith('.d.ts') ? `${text.slice(0, -3)}.js` : text);

/** A declaration transformer that rewrites relative `.ts` module specifiers (imports, re-exports, `import('…')` types). */
const rewriteSpecifiers = (context) => {
  const { factory } = context;
  const literal = (node) => (node && ts.isStringLiteral(node) ? factory.createStringLiteral(jsSpecifier(node.text)) : node);
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      return factory.updateImportDeclaration(node, node.modifiers, node.importClause, literal(node.moduleSpecifier), node.attributes);
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      return factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, literal(node.moduleSpecifier), node.attributes);
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const argument = factory.updateLiteralTypeNode(node.argument, literal(node.argument.literal));
      return factory.updateImportTypeNode(node, argument, node.attributes, node.qualifier, ts.visitNodes(node.typeArguments, visit), node.isTypeOf);
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (file) => ts.visitNode(file, visit);
};

/** Writes the declarations `entry` (a path under the config's outDir) reaches; throws with TypeScript's own messages when the sources do not compile. */
export function emitApiTypes(configPath, entry) {
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]) });
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const emitted = new Map();
  const result = program.emit(undefined, (file, text) => emitted.set(file, text), undefined, true, { afterDeclarations: [rewriteSpecifiers] });
  const problems = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (problems.length > 0) fail(problems);
  const todo = [join(parsed.options.outDir, entry)];
  const written = new Set();
  while (todo.length > 0) {
    const file = todo.pop();
    if (written.has(file)) continue;
    const text = emitted.get(file);
    if (text === undefined) throw new Error(`the API's declarations: ${file} is imported but was not emitted`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    written.add(file);
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
    for (const specifier of relativeSpecifiers(source)) todo.push(join(dirname(file), specifier.replace(/\.js$/, '.d.ts')));
  }
}

/** The relative module specifiers a declaration file names (imports, re-exports, `import('…')` types). */
function relativeSpecifiers(source) {
  const found = [];
  const visit = (node) => {
    const spec =
      ts.isImportDeclaration(node) || ts.isExportDeclaration(node) ? node.moduleSpecifier : ts.isImportTypeNode(node) ? node.argument?.literal : undefined;
    if (spec && ts.isStringLiteral(spec) && /^\.\.?\//.test(spec.text)) found.push(spec.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function fail(diagnostics) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: ts.sys.getCurrentDirectory, getNewLine: () => '\n' };
  throw new Error(`the API's declarations do not compile:\n${ts.formatDiagnostics(diagnostics, host)}`);
}
