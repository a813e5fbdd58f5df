// The URL of `hb wrap --ping URL` (or HB_PING_URL): what makes it usable, and how it is shown.
// Its path holds the check's UUID or ping key, which anyone who reads it can ping with, so a
// message shows the URL with its password starred and every long path segment cut short.

import { credentialProblem, redactUrls } from './url-credentials.ts';
import { visible } from '../visible.ts';

/** Path segments longer than this are cut to their first SHOWN_CHARS characters and `…`. */
const LONG_SEGMENT = 8;
const SHOWN_CHARS = 4;

/** Why `text` cannot be pinged, or null when it is an http(s) URL whose credentials can be sent. */
export function pingUrlProblem(text: string): string | null {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return `expected an http:// or https:// URL such as https://hc-ping.com/UUID, found "${shown(text)}"`;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') {
    return `expected an http:// or https:// URL such as https://hc-ping.com/UUID, found "${shown(text)}"`;
  }
  const credentials = credentialProblem(text);
  return credentials ? `${credentials}, found "${shownPingUrl(text)}"` : null;
}

/** `href` fit for stderr: no password, no query, and the key or UUID in its path cut short (`https://hc.example/0f1e…/fail`). */
export function shownPingUrl(href: string): string {
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return shown(href);
  }
  const path = u.pathname
    .split('/')
    .map((seg) => (seg.length > LONG_SEGMENT ? `${seg.slice(0, SHOWN_CHARS)}…` : seg))
    .join('/');
  const auth = u.username || u.password ? `${u.username}${u.password ? ':x' : ''}@` : '';
  return redactUrls(`${u.protocol}//${auth}${u.host}${path}`);
}

/** Text that is not a URL, shown with any `user:pass@` starred and control characters written out. */
function shown(text: string): string {
  return visible(redactUrls(text));
}
