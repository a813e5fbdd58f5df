// The permission bits recovery ever gives a file: read, write and execute. A setuid, setgid or
// sticky bit is never snapshotted and never restored, whatever an old snapshot or git holds.

/** `mode` without its setuid, setgid and sticky bits. */
export const safeMode = (mode: number): number => mode & 0o777;
