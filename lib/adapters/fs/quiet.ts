// File operations whose failure means "nothing there": listing a folder that may not exist yet,
// removing a file someone else may have removed first, reading a file that may be gone (a /proc entry).

import { readdirSync, readFileSync, unlinkSync } from 'node:fs';

/** The names in `dir`, or none when it does not exist or cannot be read. */
export function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes `path` if it is there; a file already gone is not an error. */
export function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** The text of `path`, or null when it cannot be read (gone, not allowed, not a file). */
export function readTextQuiet(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
