// The user's own crontab kept between checks: asked of crontab(1) again only when the spool
// directory changes, never kept when crontab(1) failed, and readable by this user alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedCrontab } from '../../lib/adapters/crontab/user-cache.ts';

test('asked once while the spool directory stays as it was, again when it changes; failures are not kept', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hb-cache-'));
  try {
    const [state, spool] = [join(root, 'state'), join(root, 'crontabs')];
    mkdirSync(spool);
    let asked = 0;
    let answer: string | null = '* * * * * hb tick a\n';
    const read = async () => (asked++, answer);
    const get = (owner = 'alice') => cachedCrontab(state, owner, spool, read);

    assert.equal(await get(), answer);
    assert.equal(await get(), answer);
    assert.equal(asked, 1);
    assert.equal(statSync(join(state, 'meta', 'crontab.json')).mode & 0o777, 0o600);

    // crontab -r or -e replaces a file in the spool directory: its mtime moves.
    answer = null;
    utimesSync(spool, new Date(), new Date(Date.now() + 5000));
    assert.equal(await get(), null);
    assert.equal(await get(), null, '"no crontab" is an answer, kept like any other');
    assert.equal(asked, 2);

    assert.equal(await get('bob'), null);
    assert.equal(asked, 3, "another user's crontab is not this one");

    utimesSync(spool, new Date(), new Date(Date.now() + 10_000));
    const failing = async () => {
      asked++;
      throw new Error('crontab: crontab -l failed');
    };
    await assert.rejects(cachedCrontab(state, 'alice', spool, failing));
    await assert.rejects(cachedCrontab(state, 'alice', spool, failing), 'a failure is asked again next time');
    assert.equal(await cachedCrontab(state, 'alice', join(root, 'no-spool'), read), null, 'no spool directory to look at: asked every time');
    assert.equal(asked, 6);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
