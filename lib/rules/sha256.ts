// The one SHA-256 helper: a crontab's text in adopt's manifest, a guarded file's bytes in recovery.

import { createHash } from 'node:crypto';

/** The hex SHA-256 of `data`: text is hashed as its UTF-8 bytes, so text and its bytes agree. */
export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
