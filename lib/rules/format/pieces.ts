// A long output made of many small parts (a job's lines, a job's JSON), written in pieces of a
// useful size: one write per piece, never the whole text in memory at once.

/** The default piece: 64 KiB of text, a pipe's buffer on Linux. */
export const PIECE_CHARS = 64 * 1024;

/** Joins consecutive `parts` into pieces of at least `size` characters (the last may be shorter); yields nothing empty. */
export function* inPieces(parts: Iterable<string>, size: number = PIECE_CHARS): Generator<string> {
  let piece = '';
  for (const part of parts) {
    piece += part;
    if (piece.length >= size) {
      yield piece;
      piece = '';
    }
  }
  if (piece !== '') yield piece;
}
