// The host's IANA zone, found as the C library finds it.

import { existsSync, readlinkSync } from 'node:fs';

/**
 * The host's zone name the way the C library finds it — $TZ, else the /etc/localtime link —
 * without starting ICU (~15 ms) just to ask; Intl answers only when neither names a zone.
 */
export function hostZone(tz: string | undefined): string {
  const known = (name: string | undefined) => Boolean(name && !name.includes('..') && existsSync(`/usr/share/zoneinfo/${name}`));
  const named = tz?.replace(/^:/, '');
  if (known(named)) return named!;
  if (tz === undefined) {
    try {
      const target = readlinkSync('/etc/localtime');
      const linked = target.slice(target.indexOf('zoneinfo/') + 'zoneinfo/'.length);
      if (target.includes('zoneinfo/') && known(linked)) return linked;
    } catch {
      // Not a link (or absent): ask Intl.
    }
  }
  if (tz === '') return 'UTC'; // what the C library makes of an empty TZ
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && zone !== 'Etc/Unknown' ? zone : 'UTC';
}
