// Permissions of what hb keeps in its state directory. Heartbeats carry output tails and run
// markers carry command lines, either of which can hold a secret: nothing is world-readable.
// Group read is kept so a monitoring user can be let in on purpose: give the state directory
// that user's group and the setgid bit (`chgrp nagios /var/lib/hb && chmod 2750 /var/lib/hb`),
// and every file created in it afterwards belongs to that group.

/** Folders of the state directory (the directory itself, locks/, meta/, alerts/, …). */
export const STATE_DIR_MODE = 0o750;
/** Files of the state directory: heartbeats, run markers, events, alert state, counters. */
export const STATE_FILE_MODE = 0o640;
