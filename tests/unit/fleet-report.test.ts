// The fleet report from a view and hand-made window answers: the window's facts per job and host,
// blockers first, and the Markdown and HTML renderers, which keep a hostile label inert.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildFleet } from '../../lib/rules/fleet/model.ts';
import { FLEET_FACTS, type FleetFact } from '../../lib/rules/fleet/queries.ts';
import { buildFleetReport, windowQueries, type WindowFact } from '../../lib/rules/fleet/report.ts';
import { renderFleetHtml } from '../../lib/rules/fleet/report-html.ts';
import { renderFleetMarkdown } from '../../lib/rules/fleet/report-markdown.ts';
import { fleetPanelParts } from '../../lib/rules/fleet/panel.ts';
import type { Sample } from '../../lib/rules/fleet/types.ts';

const NOW = Date.parse('2026-12-03T22:00:00Z') / 1000;
const HOSTILE = 'evil|<b>\u001b[2J';

function fleetAnswers(): Record<FleetFact, Sample[]> {
  const a = Object.fromEntries(FLEET_FACTS.map((f) => [f, [] as Sample[]])) as Record<FleetFact, Sample[]>;
  const host = (instance: string, up: number, checkNow: number | null, jobs: Array<[string, string, number]>) => {
    const base = { instance, job: 'node' };
    a.up.push({ labels: base, value: up });
    if (checkNow !== null) a.check_now.push({ labels: base, value: checkNow });
    a.check_last.push({ labels: base, value: checkNow ?? NOW - 900 });
    for (const [job, status, problem] of jobs) {
      a.status.push({ labels: { ...base, hb_job: job, status }, value: 1 });
      a.problem.push({ labels: { ...base, hb_job: job }, value: problem });
      a.reason.push({ labels: { ...base, hb_job: job, reason_class: problem ? 'exit_code' : 'none' }, value: 1 });
    }
  };
  host('db1:9100', 1, NOW - 10, [
    ['backup', 'failed', 1],
    [HOSTILE, 'ok', 0],
  ]);
  host('web2:9100', 0, null, [['logs', 'ok', 0]]);
  return a;
}

const label = (instance: string, hbJob?: string) => ({ instance, job: 'node', ...(hbJob === undefined ? {} : { hb_job: hbJob }) });

function windowAnswers(): Record<WindowFact, Sample[]> {
  return {
    runs: [
      { labels: label('db1:9100', 'backup'), value: 3 },
      { labels: label('db1:9100', HOSTILE), value: -5 },
    ],
    problem_ratio: [{ labels: label('db1:9100', 'backup'), value: 0.25 }],
    longest: [{ labels: label('db1:9100', 'backup'), value: 42 }],
    up_ratio: [
      { labels: label('db1:9100'), value: 1 },
      { labels: { ...label('web2:9100'), job: 'other' }, value: 0.5 },
      { labels: label('web2:9100'), value: 0.9 },
    ],
  };
}

const report = () =>
  buildFleetReport(buildFleet(fleetAnswers(), { nowS: NOW, hostLabel: 'instance', staleAfterS: 180 }), windowAnswers(), 86_400, 'http://p:9090');

describe('buildFleetReport', () => {
  it('adds the window facts to each job and host, and lists blockers: hosts first, then problem jobs', () => {
    const r = report();
    assert.equal(r.kind, 'fleet');
    assert.deepEqual([r.since, r.until], ['2026-12-02T22:00:00.000Z', '2026-12-03T22:00:00.000Z']);
    assert.deepEqual(
      r.blockers.map((b) => [b.host, b.job, b.status]),
      [
        ['web2:9100', null, 'down'],
        ['db1:9100', 'backup', 'failed'],
      ],
    );
    const backup = r.jobs.find((j) => j.job === 'backup')!;
    assert.deepEqual([backup.runs, backup.problem_ratio, backup.longest_s], [3, 0.25, 42]);
    // A cycle that went back (state lost) counts no runs rather than negative ones.
    assert.equal(r.jobs.find((j) => j.job === HOSTILE)!.runs, null);
    assert.equal(r.jobs.find((j) => j.job === 'logs')!.runs, null);
    // The worst scrape job of a host is its uptime.
    assert.deepEqual(
      r.hosts.map((h) => [h.host, h.up_ratio]),
      [
        ['web2:9100', 0.5],
        ['db1:9100', 1],
      ],
    );
    assert.equal(r.summary.runs, 3);
    assert.equal(r.summary.jobs_with_problems_in_window, 1);
  });

  it('asks the window facts over the window as a range in seconds', () => {
    assert.equal(windowQueries(86_400).problem_ratio, 'avg_over_time(hb_problem[86400s])');
    assert.equal(windowQueries(5400).runs, 'max_over_time(hb_run_cycle[5400s]) - min_over_time(hb_run_cycle[5400s])');
  });
});

describe('the fleet renderers', () => {
  it('put blockers before hosts and jobs in Markdown, and escape a label that would break a table', () => {
    const md = renderFleetMarkdown(report());
    assert.ok(md.startsWith('# hb fleet report: 2 blockers, 2 hosts, 3 jobs, 1 with a problem\n'), md);
    assert.ok(md.indexOf('## Blockers') < md.indexOf('**web2:9100**: host down') && md.indexOf('**web2:9100**') < md.indexOf('**db1:9100 backup**'));
    assert.ok(md.indexOf('**db1:9100 backup**') < md.indexOf('## Hosts') && md.indexOf('## Hosts') < md.indexOf('## Jobs'));
    assert.ok(md.includes('| db1:9100 | backup | failed | exit\\_code | - | 3 | 25% | 42s |'), md);
    assert.ok(!md.includes('\u001b') && !md.includes('evil|'), 'the hostile job name is escaped');
    assert.ok(md.includes(String.raw`| evil\|\<b\>\\u001b\[2J | ok |`), md);
  });

  it('make one self-contained HTML page with every outside string escaped', () => {
    const html = renderFleetHtml(report());
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
    assert.ok(!html.includes('\u001b') && !/<script|https?:\/\/(?!p:9090)/.test(html), 'nothing active or remote');
    assert.ok(html.includes(String.raw`<td>evil|&#60;b&#62;\u001b[2J</td>`), 'the hostile job name is escaped');
    assert.ok(html.indexOf('<h2>Blockers</h2>') < html.indexOf('<h2>Hosts</h2>'));
    assert.ok(html.includes('<tr class="bad"><td>db1:9100</td><td>backup</td><td>failed</td>'), html);
  });

  it('show a hostile label inert in the text panel', () => {
    const text = [...fleetPanelParts(buildFleet(fleetAnswers(), { nowS: NOW, hostLabel: 'instance', staleAfterS: 180 }))].join('');
    assert.ok(!text.includes('\u001b') && text.includes('evil|<b>\\u001b[2J'), text);
  });
});
