// The HTTP layer of the network sinks against a real server on 127.0.0.1: which failures are
// retried, how long it waits, what its errors say, and that they never say a secret.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { readJson, readToken, redact, request, withRetries } from '../../lib/adapters/sinks/http.ts';
import type { RequestOptions } from '../../lib/adapters/sinks/http.ts';
import { truncateBytes } from '../../lib/rules/sinks/escape.ts';
import { SinkError } from '../../lib/rules/sinks/types.ts';
import type { SinkContext } from '../../lib/rules/sinks/types.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';
import type { Recorder } from '../fixtures/http-recorder.ts';
import { freePort } from '../helpers.ts';

const open: Recorder[] = [];
after(() => Promise.all(open.map((r) => r.close())));
const recorder = async (...args: Parameters<typeof startRecorder>) => {
  const rec = await startRecorder(...args);
  open.push(rec);
  return rec;
};
const opts = (extra: Partial<RequestOptions> = {}): RequestOptions => ({ label: 'test sink', timeoutMs: 1000, retries: 2, backoffMs: 10, ...extra });

/** The rejection of `p`, which must be a SinkError. */
async function failure(p: Promise<unknown>): Promise<SinkError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SinkError, `expected a SinkError, found ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

describe('request', () => {
  test('a 5xx is retried and a later 2xx delivers', async () => {
    const rec = await recorder({ 'POST /hook': [{ status: 503 }, { status: 502 }, { status: 200, body: { ok: true } }] });
    const answer = await request(`${rec.url}/hook`, opts({ method: 'POST', body: { a: 1 } }));
    assert.equal(answer.status, 200);
    assert.deepEqual(readJson(answer, 'x', false), { ok: true });
    assert.equal(rec.requests.length, 3);
    assert.deepEqual(rec.requests[2]!.body, { a: 1 });
    assert.equal(rec.requests[2]!.headers['content-type'], 'application/json');
  });

  test('a 4xx fails at once, not retryable, naming the label and the status', async () => {
    const rec = await recorder({ '/hook': { status: 404, body: { message: 'Not Found' } } });
    const err = await failure(request(`${rec.url}/hook`, opts({ method: 'POST', body: {} })));
    assert.equal(err.retryable, false);
    assert.equal(err.status, 404);
    assert.equal(rec.requests.length, 1);
    assert.match(err.message, /^test sink: POST 127\.0\.0\.1:\d+: HTTP 404 \(Not Found\)$/);
  });

  test('408 and 429 are retryable', async () => {
    const rec = await recorder({ '/a': [{ status: 408 }, { status: 429 }, { status: 204 }] });
    assert.equal((await request(`${rec.url}/a`, opts())).status, 204);
    assert.equal(rec.requests.length, 3);
  });

  test('a hanging server times out, retryable, within about timeout × attempts', async () => {
    const rec = await recorder({ '/slow': { hang: true } });
    const started = performance.now();
    const err = await failure(request(`${rec.url}/slow`, opts({ timeoutMs: 200, retries: 1 })));
    const took = performance.now() - started;
    assert.equal(err.retryable, true);
    assert.equal(err.status, null);
    assert.match(err.message, /no complete answer within 200 ms \(after 2 attempts\)$/);
    assert.equal(rec.requests.length, 2);
    assert.ok(took >= 390 && took < 1200, `took ${took} ms`);
  });

  test('a slow body counts against the timeout too', async () => {
    const rec = await recorder({ '/slow': { delayMs: 600, body: {} } });
    const err = await failure(request(`${rec.url}/slow`, opts({ timeoutMs: 150, retries: 0 })));
    assert.equal(err.retryable, true);
  });

  test('a refused connection is retryable and says so', async () => {
    const port = await freePort();
    const err = await failure(request(`http://127.0.0.1:${port}/x`, opts({ retries: 1 })));
    assert.equal(err.retryable, true);
    assert.match(err.message, /connection failed \(ECONNREFUSED\)/);
  });

  test('a socket closed without an answer is retryable', async () => {
    const rec = await recorder({ '/x': [{ destroy: true }, { status: 200 }] });
    assert.equal((await request(`${rec.url}/x`, opts())).status, 200);
    assert.equal(rec.requests.length, 2);
  });

  test('Retry-After is honoured within the cap', async () => {
    const rec = await recorder({ '/x': [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }] });
    await request(`${rec.url}/x`, opts());
    const waited = rec.requests[1]!.at - rec.requests[0]!.at;
    assert.ok(waited >= 950 && waited < 2000, `waited ${waited} ms`);
  });

  test('a Retry-After beyond the cap is left for the next check, at once', async () => {
    const rec = await recorder({ '/x': { status: 503, headers: { 'retry-after': '120' } } });
    const started = performance.now();
    const err = await failure(request(`${rec.url}/x`, opts({ retries: 3 })));
    assert.ok(performance.now() - started < 500);
    assert.equal(rec.requests.length, 1);
    assert.equal(err.retryable, true);
    assert.equal(err.status, 503);
    assert.match(err.message, /asked to wait 120 s, left for the next check/);
  });

  test('a redirect is not followed and not retried', async () => {
    const rec = await recorder({ '/x': { status: 301, headers: { location: 'http://127.0.0.1:1/secret' } } });
    const err = await failure(request(`${rec.url}/x`, opts()));
    assert.equal(err.retryable, false);
    assert.doesNotMatch(err.message, /secret/);
    assert.equal(rec.requests.length, 1);
  });

  test('bodies are read up to 64 KiB; JSON garbage is a clear error', async () => {
    const rec = await recorder({ '/big': { body: `[${'1,'.repeat(60_000)}1]` }, '/html': { body: '<html>oops</html>' } });
    const big = await request(`${rec.url}/big`, opts());
    assert.equal(big.truncated, true);
    assert.equal(Buffer.byteLength(big.text), 64 * 1024);
    assert.throws(() => readJson(big, 'test sink: list', false), /test sink: list: HTTP 200 with a body that is not JSON \(more than 64 KiB\)/);
    const html = await request(`${rec.url}/html`, opts());
    const err = (() => {
      try {
        readJson(html, 'x', true);
      } catch (e) {
        return e as SinkError;
      }
      return null;
    })();
    assert.equal(err?.retryable, true);
  });

  test('no error message carries a token, in the URL, a header or an echoed body', async () => {
    const token = '123456:AAE-very-secret_token';
    const rec = await recorder({ '/bot123456:AAE-very-secret_token/sendMessage': { status: 401, body: { description: `Unauthorized token ${token}` } } });
    const err = await failure(
      request(`${rec.url}/bot${token}/sendMessage`, opts({ method: 'POST', body: {}, headers: { authorization: `Bearer ${token}` }, secrets: [token] })),
    );
    assert.equal(rec.requests[0]!.headers.authorization, `Bearer ${token}`);
    assert.doesNotMatch(err.message, /very-secret/);
    assert.doesNotMatch(err.message, /Bearer/);
    assert.match(err.message, /HTTP 401 \(Unauthorized token \*\*\*\)/);
    assert.equal(redact(`GET http://h/bot${token}/getMe`), 'GET http://h/bot***/getMe');
  });

  test('a request that cannot be built fails for good without echoing the header', async () => {
    const rec = await recorder();
    const err = await failure(request(`${rec.url}/x`, opts({ headers: { authorization: 'tok\nen' }, secrets: ['tok\nen'] })));
    assert.equal(err.retryable, false);
    assert.doesNotMatch(err.message, /tok\s*en/);
    assert.equal(rec.requests.length, 0);
  });
});

describe('withRetries', () => {
  test('waits grow from backoffMs and are capped', async () => {
    const waits: number[] = [];
    let calls = 0;
    const err = await failure(
      withRetries({ retries: 4, backoffMs: 100, maxWaitMs: 300, sleep: async (ms) => void waits.push(ms) }, async () => {
        calls++;
        throw new SinkError('down', true, 500);
      }),
    );
    assert.deepEqual(waits, [100, 200, 300, 300]);
    assert.equal(calls, 5);
    assert.equal(err.message, 'down (after 5 attempts)');
    assert.equal(err.retryable, true);
  });

  test('a non-retryable error stops at once', async () => {
    let calls = 0;
    await failure(
      withRetries({ retries: 4, sleep: async () => {} }, async () => {
        calls++;
        throw new SinkError('bad', false, 400);
      }),
    );
    assert.equal(calls, 1);
  });
});

describe('readToken', () => {
  const ctx = (env: NodeJS.ProcessEnv, files: Record<string, string> = {}): SinkContext => ({
    env,
    now: () => 0,
    readFile: (path) => {
      if (path in files) return files[path]!;
      throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    },
  });

  test('from the environment or a file, trimmed', () => {
    assert.equal(readToken({ token_env: 'TG' }, ctx({ TG: ' abc \n' }), 'x'), 'abc');
    assert.equal(readToken({ token_file: '/t' }, ctx({}, { '/t': 'def\n' }), 'x'), 'def');
  });

  test('missing or bad tokens are non-retryable errors naming the source, never the value', () => {
    const check = (fn: () => unknown, pattern: RegExp) => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof SinkError);
        assert.equal(err.retryable, false);
        assert.match(err.message, pattern);
        assert.doesNotMatch(err.message, /s3cr3t/);
        return;
      }
      assert.fail('expected a SinkError');
    };
    check(() => readToken({ token_env: 'TG' }, ctx({}), 'telegram 1'), /^telegram 1: environment variable TG is not set or empty$/);
    check(() => readToken({ token_env: 'TG' }, ctx({ TG: '  ' }), 'x'), /TG is not set or empty/);
    check(() => readToken({ token_file: '/nope' }, ctx({}), 'x'), /^x: cannot read token_file \/nope \(ENOENT\)$/);
    check(() => readToken({ token_env: 'TG' }, ctx({ TG: 's3cr3t with space' }), 'x'), /contains spaces/);
  });
});

describe('truncateBytes', () => {
  test('keeps short text as is', () => assert.equal(truncateBytes('héllo', 6), 'héllo'));
  test('cuts at a character boundary, marker included in the bound', () => {
    const cut = truncateBytes('aé€😀b', 9);
    assert.ok(Buffer.byteLength(cut) <= 9);
    assert.equal(cut, 'aé€…');
    for (let max = 1; max < 14; max++) {
      const s = truncateBytes('😀é€x😀', max);
      assert.ok(Buffer.byteLength(s) <= max, `max ${max}: ${s}`);
      assert.doesNotMatch(s, /\uFFFD/);
      const e = truncateBytes('😀é€x😀', max, { keep: 'end' });
      assert.ok(Buffer.byteLength(e) <= max);
      assert.doesNotMatch(e, /\uFFFD/);
    }
  });
  test('keeps the end with a custom marker', () => assert.equal(truncateBytes('first\nsecond\nlast', 9, { keep: 'end', marker: '[…]' }), '[…]last'));
});
