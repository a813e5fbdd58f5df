// The URL of --ping and HB_PING_URL: what is refused, and how it is shown in a stderr line
// (no password, no query, the check's key or UUID cut short).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pingUrlProblem, shownPingUrl } from '../../lib/rules/sinks/ping-url.ts';

test('an http or https URL with a host is taken; anything else says what was expected and what was found', () => {
  for (const ok of [
    'https://hc-ping.com/0f1e2d3c-4b5a-4697-8877-665544332211',
    'http://127.0.0.1:8000/ping/abc',
    'https://u:p%40ss@hc.example/ping/k/slug?create=1',
  ])
    assert.equal(pingUrlProblem(ok), null, ok);
  const expected = 'expected an http:// or https:// URL such as https://hc-ping.com/UUID, found';
  assert.equal(pingUrlProblem('hc-ping.com/abc'), `${expected} "hc-ping.com/abc"`);
  assert.equal(pingUrlProblem('ftp://hc.example/x'), `${expected} "ftp://hc.example/x"`);
  assert.equal(pingUrlProblem('ftp://user:pw@hc.example/x'), `${expected} "ftp://user:***@hc.example/x"`, 'a password is never shown');
  assert.equal(pingUrlProblem('http://a\u001b[31m'), `${expected} "http://a\\u001b[31m"`);
  assert.equal(pingUrlProblem('https://a:b@hc.example/%zz'), null, 'a malformed escape in the path is no credential problem');
  assert.equal(
    pingUrlProblem('https://us%3Aer:pw@hc.example/k'),
    'the user name in the URL holds a colon (%3A), which Basic auth cannot carry, found "https://us%3Aer:***@hc.example/k"',
  );
});

test('shown: the password starred, the query dropped, long path segments cut to four characters', () => {
  assert.equal(shownPingUrl('https://hc-ping.com/0f1e2d3c-4b5a-4697-8877-665544332211/fail?rid=abc'), 'https://hc-ping.com/0f1e…/fail');
  assert.equal(shownPingUrl('https://me:secret@hc.example:8443/ping/abc/start'), 'https://me:***@hc.example:8443/ping/abc/start');
  assert.equal(shownPingUrl('https://tokenonly@hc.example/ping/abc'), 'https://***@hc.example/ping/abc', 'a lone user name may be a token');
  assert.equal(shownPingUrl('http://127.0.0.1:9/p/pingkey-long/backup-db'), 'http://127.0.0.1:9/p/ping…/back…');
});
