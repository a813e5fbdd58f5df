// YAML text → the plain config tree, within the limits a hostile file needs: bounded nesting,
// bounded alias repetition, and linear time for duplicate keys and aliases alike.

import type { Document, LineCounter } from 'yaml';
import type { CST } from 'yaml';

/** Deeper than any real config (jobs.x.notify[0].webhook.headers is 6); the composer recurses per level. */
export const MAX_DEPTH = 64;

/**
 * Nodes that aliases may repeat in all (a shared 4-node notify list in 2,500 jobs): an alias bomb
 * repeats billions from a few hundred bytes.
 */
export const MAX_REPEATED_NODES = 10_000;

/**
 * Tokens the lexer may produce: a job written out takes about 25, so this is some 30,000 jobs.
 * yaml's memory follows its tokens more than the bytes (a list of one-letter items has one per
 * 1.5 bytes): this bounds a parse to a few hundred MB whatever the file holds.
 */
export const MAX_TOKENS = 750_000;

/** A YAML problem at a source offset, before it is given a file and a line. */
export interface YamlProblem {
  offset: number | undefined;
  message: string;
}

/** The plain tree with the document that locates its keys, or the YAML problems that stopped it. */
export type YamlResult =
  { ok: true; tree: unknown; doc: Document.Parsed; lineCounter: LineCounter } | { ok: false; problems: YamlProblem[]; lineCounter: LineCounter };

type Yaml = typeof import('yaml');

class Refused extends Error {
  readonly offset: number | undefined;
  constructor(offset: number | undefined, message: string) {
    super(message);
    this.offset = offset;
  }
}

/**
 * Parses `text` as a single YAML document. Nesting is checked while the parser runs, so a
 * 100,000-level `[[[[…` stops after a few dozen tokens instead of overflowing the composer's stack.
 */
export async function parseYaml(text: string): Promise<YamlResult> {
  // yaml is CommonJS: its module object is the default export both bundled and under tsx.
  const yaml = (await import('yaml')).default;
  const lineCounter = new yaml.LineCounter();
  const parser = new yaml.Parser(lineCounter.addNewLine);
  function* tokens(): Generator<CST.Token> {
    lineCounter.addNewLine(0);
    let count = 0;
    for (const lexeme of new yaml.Lexer().lex(text)) {
      if (++count > MAX_TOKENS)
        throw new Refused(parser.offset, `more than ${MAX_TOKENS} YAML tokens (some 30,000 jobs written out); hb reads no config that large`);
      yield* parser.next(lexeme);
      // The stack holds the document and every open collection.
      if (parser.stack.length > MAX_DEPTH + 1) throw new Refused(parser.offset, `nested deeper than ${MAX_DEPTH} levels (a config needs a handful)`);
    }
    yield* parser.end();
  }
  // yaml's own duplicate-key check compares each key with every earlier one: minutes for a map
  // of 100,000 keys. toTree finds them with a set instead.
  const composer = new yaml.Composer({ uniqueKeys: false });
  const docs: Document.Parsed[] = [];
  // yaml reports each problem as an Error; a broken file has tens of thousands, and capturing a
  // stack for each cost most of the time and memory of reading one.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const doc of composer.compose(tokens(), true, text.length)) {
      docs.push(doc);
      if (docs.length > 1) break;
    }
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return { ok: false, lineCounter, problems: [{ offset: e.offset, message: e.message }] };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const doc = docs[0]!;
  const problems: YamlProblem[] = doc.errors.map((err) => ({ offset: err.pos[0], message: err.message.split('\n')[0]! }));
  if (docs.length > 1) {
    problems.push({ offset: docs[1]!.range[0], message: 'a config file holds one YAML document, found a second one (---)' });
  }
  if (problems.length > 0) return { ok: false, lineCounter, problems };
  const built = toTree(doc.contents, yaml, lineCounter);
  return built.problems.length > 0 ? { ok: false, lineCounter, problems: built.problems } : { ok: true, tree: built.tree, doc, lineCounter };
}

interface Built {
  value: unknown;
  /** Nodes the value stands for, counting what its aliases repeat. */
  size: number;
}

/**
 * The plain tree, as yaml's toJS builds it (an alias shares its anchor's value), in one pass in
 * document order. yaml's toJS resolves each alias by scanning the document (quadratic), and its
 * alias limit counts uses rather than size: it refuses a notify list shared by 150 jobs yet lets
 * 100 aliases of a 60,000-key map through to the validator. Here every alias adds the size of
 * what it repeats to one budget.
 */
function toTree(root: unknown, yaml: Yaml, lines: LineCounter): { tree: unknown; problems: YamlProblem[] } {
  const problems: YamlProblem[] = [];
  const anchors = new Map<string, unknown>();
  const done = new Map<unknown, Built>();
  let repeated = 0;
  const offsetOf = (node: unknown) => (node as { range?: [number, number, number] } | null)?.range?.[0];

  // Recursion follows the document's own nesting (at most MAX_DEPTH), never an alias.
  const build = (node: unknown): Built => {
    if (node === null || node === undefined) return { value: null, size: 0 };
    if (yaml.isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) throw new Refused(offsetOf(node), `alias *${node.source} has no anchor &${node.source} before it`);
      const found = done.get(target);
      if (!found) throw new Refused(offsetOf(node), `alias *${node.source} refers to the node that contains it`);
      repeated += found.size;
      if (repeated > MAX_REPEATED_NODES) {
        throw new Refused(offsetOf(node), `aliases repeat more than ${MAX_REPEATED_NODES} nodes (an alias bomb?)`);
      }
      return found;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node);
    let built: Built;
    if (yaml.isScalar(node)) built = { value: node.value, size: 1 };
    else if (yaml.isMap(node)) {
      const map: Record<string, unknown> = {};
      const seen = new Map<string, number | undefined>();
      let size = 1;
      for (const pair of node.items) size += addPair(map, pair.key, pair.value, seen);
      built = { value: map, size };
    } else if (yaml.isSeq(node)) {
      const list: unknown[] = [];
      let size = 1;
      for (const item of node.items) {
        if (yaml.isPair(item)) {
          // `[a: 1]`: a single-pair map inside a flow sequence.
          const map: Record<string, unknown> = {};
          size += addPair(map, item.key, item.value, new Map());
          list.push(map);
        } else {
          const b = build(item);
          size += b.size;
          list.push(b.value);
        }
      }
      built = { value: list, size };
    } else {
      throw new Refused(offsetOf(node), 'a YAML node hb does not read');
    }
    done.set(node, built);
    return built;
  };

  const addPair = (map: Record<string, unknown>, keyNode: unknown, valueNode: unknown, seen: Map<string, number | undefined>): number => {
    const key = build(keyNode);
    const value = build(valueNode);
    const at = offsetOf(keyNode);
    if (typeof key.value === 'object' && key.value !== null) {
      problems.push({ offset: at, message: 'a map key must be plain text, found a list or map' });
    } else {
      // Keys become text in the tree, so 1 and "1" collide there.
      const name = key.value === null ? '' : String(key.value);
      if (seen.has(name)) {
        const first = seen.get(name);
        const where = first === undefined ? '' : ` (first on line ${lines.linePos(first).line})`;
        problems.push({ offset: at, message: `Map keys must be unique: "${name}" appears twice${where}` });
      } else {
        seen.set(name, at);
        // defineProperty: a key named __proto__ is data, not the object's prototype.
        Object.defineProperty(map, name, { value: value.value, writable: true, enumerable: true, configurable: true });
      }
    }
    return key.size + value.size;
  };

  try {
    return { tree: build(root).value, problems };
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return { tree: undefined, problems: [{ offset: e.offset, message: e.message }] };
  }
}
