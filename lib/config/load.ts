// Reads and validates a config file; YAML is imported only when a file exists.

import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigProblem } from '../errors.ts';
import { pathText, validateConfig, type RawProblem } from './validate.ts';
import { emptyConfig, type HbConfig } from './types.ts';
import type { ConfigChoice } from './find.ts';

/** Loads the chosen config; throws ConfigError listing every problem with file:line:col. */
export async function loadConfig(choice: ConfigChoice, defaultTz: string): Promise<HbConfig> {
  if (!choice.path) return emptyConfig();
  const file = choice.path;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !choice.explicit) return emptyConfig();
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new ConfigError([{ file, path: '', message: `cannot read config file (from ${choice.source}): ${why}` }]);
  }
  return parseConfigText(text, file, defaultTz);
}

/** Parses config text; exported for tests and `hb doctor`. */
export async function parseConfigText(text: string, file: string, defaultTz: string): Promise<HbConfig> {
  // yaml is CommonJS: its module object is the default export both bundled and under tsx.
  const { parseDocument, LineCounter, isMap, isPair, isScalar } = (await import('yaml')).default;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((err) => {
        const pos = err.linePos?.[0];
        const message = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
        return { file, path: '', line: pos?.line, col: pos?.col, message: `invalid YAML: ${message}` };
      }),
    );
  }
  let tree: unknown;
  try {
    tree = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // yaml throws (not reports) on alias expansion beyond maxAliasCount: a config error all the same.
    throw new ConfigError([{ file, path: '', message: `invalid YAML: ${(e as Error).message}` }]);
  }
  const { config, problems } = validateConfig(tree, file, defaultTz);
  if (problems.length === 0) return config;

  // Point at the key for unknown keys, at the value otherwise; fall back to the nearest parent.
  type Ranged = { range?: [number, number, number] } | null | undefined;
  const nodeAt = (path: Array<string | number>, atKey: boolean): Ranged => {
    if (path.length === 0) return doc.contents as Ranged;
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (!isMap(parent)) return doc.getIn(path, true) as Ranged;
    const pair = parent.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(last));
    return (pair && (atKey ? pair.key : (pair.value ?? pair.key))) as Ranged;
  };
  const locate = (p: RawProblem): Pick<ConfigProblem, 'line' | 'col'> => {
    for (let depth = p.path.length; depth >= 0; depth--) {
      const range = nodeAt(p.path.slice(0, depth), Boolean(p.atKey) && depth === p.path.length)?.range;
      if (range) return lineCounter.linePos(range[0]);
    }
    return {};
  };
  throw new ConfigError(
    problems.map((p) => ({ file, path: pathText(p.path), message: p.message, ...locate(p) })),
  );
}
