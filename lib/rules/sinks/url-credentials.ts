// Credentials written in a sink URL (`https://user:pass@host/…`). fetch refuses such a URL, so
// they are taken out and sent as HTTP Basic auth (RFC 7617); wherever a URL is shown, its
// password is not (`https://user:***@host/…`).

/** A URL with its credentials taken out. */
export interface SplitUrl {
  /** The URL without `user:pass@`. */
  url: string;
  /** `Basic <base64 of user:password>`, or null when the URL has no credentials. */
  authorization: string | null;
  /** What must never be shown: the password as written and decoded, and the header's token. */
  secrets: string[];
}

/** Splits `href` into the URL to request and the Basic auth its credentials make; see `credentialProblem` for what is refused. */
export function splitCredentials(href: string): SplitUrl {
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return { url: href, authorization: null, secrets: [] };
  }
  if (u.username === '' && u.password === '') return { url: href, authorization: null, secrets: [] };
  // The URL parser keeps userinfo percent-encoded (`p%40ss`); Basic auth carries the decoded
  // text as UTF-8 (`p@ss`). A malformed escape is refused at validation; here it stays as written.
  const user = decodeOr(u.username);
  const password = decodeOr(u.password);
  const token = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
  const secrets = [u.password, password, token].filter((s) => s.length > 0);
  u.username = '';
  u.password = '';
  return { url: u.href, authorization: `Basic ${token}`, secrets };
}

/** Why the credentials in `href` cannot be sent as Basic auth, or null when they can (or there are none). */
export function credentialProblem(href: string): string | null {
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return null;
  }
  if (u.username === '' && u.password === '') return null;
  for (const [part, text] of [
    ['user name', u.username],
    ['password', u.password],
  ] as const) {
    try {
      decodeURIComponent(text);
    } catch {
      return `the ${part} in the URL has a malformed percent escape (expected %XX with two hex digits, as UTF-8)`;
    }
  }
  if (decodeURIComponent(u.username).includes(':')) return 'the user name in the URL holds a colon (%3A), which Basic auth cannot carry';
  return null;
}

/** True when `href` is a URL with a user name or password. */
export function hasCredentials(href: string): boolean {
  try {
    const u = new URL(href);
    return u.username !== '' || u.password !== '';
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@/i.test(href);
  }
}

/**
 * `text` with the password of every URL in it replaced by `***` (`https://user:***@host/`), and a
 * user name without a password (often a token itself) replaced too (`https://***@host/`).
 */
export function redactUrls(text: string): string {
  // The user info ends at the authority's last `@` (a password may hold a raw one).
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)@/gi, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

function decodeOr(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
