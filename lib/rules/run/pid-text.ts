// What a PID file holds when it names a process: one number, blanks around it, nothing else.

/** The most of a PID file hb reads: a pid, a newline and some blanks; more is not a PID file. */
export const PID_FILE_MAX_BYTES = 32;

/** The process id `text` names, or null when it names none. */
export function pidInText(text: string): number | null {
  const m = /^\s*(\d{1,10})\s*$/.exec(text);
  const pid = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}
