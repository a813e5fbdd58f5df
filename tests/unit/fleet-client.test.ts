// Prometheus's HTTP API as the fleet view reads it, against a local HTTP server: the query and
// its time, basic auth from the URL, a path prefix, and one clear error per way it goes wrong —
// none of which shows the URL's password.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instantQuery, prometheusEndpoint } from '../../lib/adapters/prometheus/client.ts';
import { readFleetAnswers } from '../../lib/adapters/prometheus/fleet.ts';
import { HbError } from '../../lib/rules/errors.ts';
import { freePort } from '../helpers.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A server on 127.0.0.1 answering with `handler`; closed with the test. */
async function serve(t: { after(fn: () => Promise<void> | void): void }, handler: Handler): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const vector = (result: unknown[]) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result } });

/** The HbError a call ends with (exit 2), or a failure when it does not throw one. */
async function refusal(p: Promise<unknown>): Promise<HbError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HbError, `an HbError, found ${String(e)}`);
    assert.equal(e.exitCode, 2);
    return e;
  }
  assert.fail('expected the query to fail');
}

describe('instantQuery', () => {
  it('sends the query and its time to URL/api/v1/query, with basic auth from the userinfo, under a path prefix', async (t) => {
    const seen: Array<{ url: string; auth: string | undefined }> = [];
    const host = await serve(t, (req, res) => {
      seen.push({ url: req.url!, auth: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      res.end(vector([{ metric: { instance: 'a:9100' }, value: [1764799200, '1'] }]));
    });
    const ep = prometheusEndpoint(`http://ops:s%3Acret@${host}/prom`, 2000);
    assert.equal(ep.shown, `http://${host}/prom`);
    const answer = await instantQuery(ep, 'up == 1', 1764799200);
    assert.deepEqual(answer.samples, [{ labels: { instance: 'a:9100' }, value: 1 }]);
    assert.equal(seen[0]!.url, '/prom/api/v1/query?query=up+%3D%3D+1&time=1764799200');
    assert.equal(seen[0]!.auth, `Basic ${Buffer.from('ops:s:cret').toString('base64')}`);
  });

  it('says Prometheus error text of a non-200 answer, and the status of one that is not the API', async (t) => {
    const host = await serve(t, (req, res) => {
      if (req.url!.includes('bad')) {
        res.statusCode = 400;
        res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected end of input' }));
      } else if (req.url!.includes('auth')) {
        res.statusCode = 401;
        res.end('Unauthorized');
      } else {
        res.end('<html>not prometheus</html>');
      }
    });
    const ep = prometheusEndpoint(`http://u:topsecret@${host}`, 2000);
    const bad = await refusal(instantQuery(ep, 'bad('));
    assert.equal(bad.message, `--prometheus http://${host}: Prometheus says: 1:5: parse error: unexpected end of input`);
    const auth = await refusal(instantQuery(ep, 'auth'));
    assert.equal(auth.message, `--prometheus http://${host}: expected HTTP 200 from /api/v1/query, found HTTP 401 (check the user and password in the URL)`);
    const html = await refusal(instantQuery(ep, 'up'));
    assert.equal(html.message, `--prometheus http://${host}: expected the JSON of Prometheus's HTTP API, found "<html>not prometheus</html>"`);
    for (const e of [bad, auth, html]) assert.ok(!e.message.includes('topsecret'));
  });

  it('says so when nothing listens, and when no answer comes within the timeout', async (t) => {
    const refused = await refusal(instantQuery(prometheusEndpoint(`http://127.0.0.1:${await freePort()}`, 2000), 'up'));
    assert.match(refused.message, /: connection refused \(is Prometheus listening there\?\)$/);
    const host = await serve(t, () => {
      // never answers
    });
    const slow = await refusal(instantQuery(prometheusEndpoint(`http://${host}`, 200), 'up'));
    assert.equal(slow.message, `--prometheus http://${host}: no answer within 0.2s (raise --timeout, or check the URL)`);
  });
});

describe('readFleetAnswers', () => {
  it('asks every query at the instant Prometheus gives for time(), and refuses a Prometheus without hb series', async (t) => {
    const times = new Set<string | null>();
    const host = await serve(t, (req, res) => {
      const q = new URL(req.url!, 'http://x').searchParams;
      if (q.get('query') === 'time()')
        return res.end(JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1764799200.123, '1764799200.123'] } }));
      times.add(q.get('time'));
      res.end(vector([]));
    });
    const e = await refusal(readFleetAnswers(prometheusEndpoint(`http://${host}`, 2000), 'instance', 86_400));
    assert.equal(e.message, `--prometheus http://${host}: no hb series found: is hb check --textfile running and scraped?`);
    assert.deepEqual([...times], ['1764799200.123']);
  });
});
