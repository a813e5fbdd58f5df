// The one error type of recovery's I/O: what failed, on which path, with the underlying code.

/** A snapshot, restore or git read that failed; `path` is the file concerned, `code` an errno name when there is one. */
export class RecoverError extends Error {
  readonly path: string | null;
  readonly code: string | null;
  constructor(message: string, path: string | null = null, code: string | null = null) {
    super(message);
    this.name = 'RecoverError';
    this.path = path;
    this.code = code;
  }
}
