// The version stamped into every heartbeat; the build replaces __HB_VERSION__.

declare const __HB_VERSION__: string | undefined;

/** hb's version, or `0.0.0-dev` when run from source. */
export const HB_VERSION: string = typeof __HB_VERSION__ === 'string' ? __HB_VERSION__ : '0.0.0-dev';
