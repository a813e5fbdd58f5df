// The fleet flags of status and report: each value is checked as the line is read, and the flags
// that only mean something with --prometheus are refused without it rather than ignored. In
// process, through bin/cli.ts main(); nothing here reads or writes outside memory.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../bin/cli.ts';
import { parseHostLabel, parsePrometheusUrl, parseQueryTimeout, parseStaleAfter } from '../../bin/option-values.ts';
import { quietIo } from '../fakes.ts';

/** Runs argv through commander; what it said and its exit code. */
async function run(argv: string[]): Promise<{ code: number; said: string }> {
  const io = quietIo('/nonexistent-hb-test-dir');
  const code = await main(argv, io, () => Promise.resolve(0));
  return { code, said: io.said.join('') };
}

describe('the fleet flags', () => {
  it('take an http(s) base URL, and refuse anything else without showing a password', () => {
    assert.equal(parsePrometheusUrl('http://prometheus:9090'), 'http://prometheus:9090');
    assert.equal(parsePrometheusUrl('https://ops:pw@prom.example.net/prometheus'), 'https://ops:pw@prom.example.net/prometheus');
    assert.throws(() => parsePrometheusUrl('prometheus:9090'), /--prometheus: expected an http:\/\/ or https:\/\/ URL/);
    assert.throws(
      () => parsePrometheusUrl('ftp://ops:hunter2@x'),
      (e: Error) => e.message.includes('"ftp://…@x"') && !e.message.includes('hunter2'),
    );
    assert.throws(() => parsePrometheusUrl('http://p:9090/graph?g0.expr=up'), /without \?query or #fragment/);
    // Credentials Basic auth cannot carry are refused as the sinks refuse them, the password never shown.
    assert.equal(parsePrometheusUrl('http://ops:p%40ss@prom:9090'), 'http://ops:p%40ss@prom:9090');
    assert.throws(
      () => parsePrometheusUrl('http://ops:hunter%zz@prom:9090'),
      (e: Error) => /--prometheus: the password in the URL has a malformed percent escape/.test(e.message) && !e.message.includes('hunter'),
    );
    assert.throws(() => parsePrometheusUrl('http://a%3Ab:pw@prom:9090'), /--prometheus: the user name in the URL holds a colon/);
  });

  it('take durations above 0 and a Prometheus label name', () => {
    assert.equal(parseQueryTimeout('10s'), 10_000);
    assert.equal(parseStaleAfter('5m'), 300_000);
    assert.throws(() => parseStaleAfter('0'), /--stale-after/);
    assert.equal(parseHostLabel('nodename'), 'nodename');
    assert.throws(() => parseHostLabel('host-name'), /--host-label: expected a Prometheus label name/);
  });

  it('are refused without --prometheus (exit 2, the flags named), and a bad value is refused as the line is read', async () => {
    assert.deepEqual(await run(['status', '--timeout', '2s', '--stale-after', '1m']), {
      code: 2,
      said: 'hb: status: --timeout, --stale-after need --prometheus URL (the fleet view)\n',
    });
    assert.deepEqual(await run(['report', '--host-label', 'nodename']), {
      code: 2,
      said: 'hb: report: --host-label needs --prometheus URL (the fleet view)\n',
    });
    const bad = await run(['status', '--prometheus', 'http://p:9090', '--timeout', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.said, /^hb: --timeout: "soon" is not a duration/);
    const send = await run(['report', '--prometheus', 'http://127.0.0.1:9', '--send']);
    assert.deepEqual(send, { code: 2, said: "hb: report: --send is not available with --prometheus; send each host's own report, or mail the output\n" });
  });
});
