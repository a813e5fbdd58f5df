// crontab.example is what `hb crontab` prints for docs/examples/hb.yaml, with hb installed in
// /usr/local/lib/node_modules/hb (npm install -g) and the config in /etc/hb: regenerate it with the command in the failure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HB, hb, sandbox } from '../helpers.ts';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

test('crontab.example is the output of hb crontab for the example config', (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  const env = { ...s.env };
  delete env.HB_STATE_DIR;
  const config = root('docs/examples/hb.yaml');
  const r = hb(['crontab', '--config', config], { env });
  assert.equal(r.code, 0, r.stderr);
  const printed = r.stdout
    .replaceAll(`${process.execPath} `, '/usr/bin/node ')
    .replaceAll(realpathSync(HB), '/usr/local/lib/node_modules/hb/dist/hb.js')
    .replaceAll(config, '/etc/hb/hb.yaml');
  assert.equal(readFileSync(root('crontab.example'), 'utf8'), printed, `crontab.example is out of date; it should read:\n${printed}`);
});
