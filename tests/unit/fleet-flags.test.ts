// The fleet flags of status and report: each value is checked as the line is read, and the flags
// that only mean something with --prometheus are refused without it rather than ignored.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostLabel, parsePrometheusUrl, parseQueryTimeout, parseStaleAfter, refuseFleetFlagsAlone } from '../../bin/fleet-flags.ts';

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
  });

  it('take durations above 0 and a Prometheus label name', () => {
    assert.equal(parseQueryTimeout('10s'), 10_000);
    assert.equal(parseStaleAfter('5m'), 300_000);
    assert.throws(() => parseStaleAfter('0'), /--stale-after/);
    assert.equal(parseHostLabel('nodename'), 'nodename');
    assert.throws(() => parseHostLabel('host-name'), /--host-label: expected a Prometheus label name/);
  });

  it('are refused without --prometheus, named in the message', () => {
    assert.throws(
      () => refuseFleetFlagsAlone({ timeout: 1000, staleAfter: 1000 }, 'status'),
      /^UsageError: status: --timeout, --stale-after need --prometheus URL/,
    );
    assert.throws(() => refuseFleetFlagsAlone({ hostLabel: 'nodename' }, 'report'), /report: --host-label needs --prometheus URL/);
    refuseFleetFlagsAlone({}, 'status');
    refuseFleetFlagsAlone({ prometheus: 'http://p:9090', timeout: 1000 }, 'report');
  });
});
