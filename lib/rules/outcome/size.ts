// Sizes and ratios as `expect:` and wrap's flags write them ("1MB", "2.5GiB", "50%") and as
// reasons print them ("20 B", "2.1 GB"). Pure.

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** What a size may look like, for messages. */
export const SIZE_HINT = 'expected a size such as 20B, 1KB (1000 bytes), 1KiB (1024 bytes), 2.5GB, or a whole number of bytes';

/** Bytes from "20B", "1 KB", "1KiB", "2.5GB" or a number of bytes; undefined when it is none of those or not above 0. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const scale = unit === '' ? 1 : UNITS[unit];
  if (scale === undefined) return undefined;
  const bytes = Math.ceil(Number(m[1]) * scale);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** A size for a person, in decimal units with at most one decimal: "20 B", "1.5 KB", "2.1 GB". */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  for (value /= 1000; unit < units.length - 1 && Math.round(value * 10) / 10 >= 1000; unit++) value /= 1000;
  return `${Number((Math.round(value * 10) / 10).toFixed(1))} ${units[unit]}`;
}

/** Two sizes a person can tell apart: rounded when rounding keeps them apart, else in bytes. */
export function formatSizes(a: number, b: number): [string, string] {
  const [fa, fb] = [formatSize(a), formatSize(b)];
  return fa !== fb || a === b ? [fa, fb] : [`${a} bytes`, `${b} bytes`];
}

/** What a ratio may look like, for messages. */
export const RATIO_HINT = 'expected a share of the last good size above 0 and at most 100%, such as "50%" or 0.5';

/** A fraction in (0, 1] from "50%" or 0.5; undefined otherwise. */
export function parseRatio(value: unknown): number | undefined {
  let ratio: number | undefined;
  if (typeof value === 'number') ratio = value;
  else if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*(%?)$/.exec(value.trim());
    if (m) ratio = m[2] ? Number(m[1]) / 100 : Number(m[1]);
  }
  return ratio !== undefined && Number.isFinite(ratio) && ratio > 0 && ratio <= 1 ? ratio : undefined;
}

/** A ratio as a percentage: "50%", "12.5%". */
export const formatRatio = (ratio: number): string => `${Number((ratio * 100).toFixed(2))}%`;
