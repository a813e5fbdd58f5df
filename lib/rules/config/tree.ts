// What every validator of the config's YAML tree shares: the map test, how a value found is named
// in a message, and a problem before it is given a file and a position. Pure.

/** A YAML map as parsed. */
export type Tree = Record<string, unknown>;

/** Whether `v` is a map (not null, not a list). */
export const isMap = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as a message names what was found: `null`, `a list`, `a map`, `number 5`, `string "x"`. */
export const typeName = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`;

/** A problem before it is given a file and a position: its key path (below the key it is read from). */
export interface RawProblem {
  path: Array<string | number>;
  /** Point at the key itself (unknown keys) rather than its value. */
  atKey?: boolean;
  message: string;
}
