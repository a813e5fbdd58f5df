// What the config tests share: the problems hb finds in a config text that must be refused.

import assert from 'node:assert/strict';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { ConfigError, type ConfigProblem } from '../../lib/rules/errors.ts';

/** The problems of a config that must fail (as `hb.yaml`, zone UTC); fails the test when it parses. */
export async function problemsOf(text: string): Promise<ConfigProblem[]> {
  try {
    await parseConfigText(text, 'hb.yaml', 'UTC');
  } catch (e) {
    assert.ok(e instanceof ConfigError, `a ConfigError, not ${String(e)}`);
    return e.problems;
  }
  return assert.fail(`expected a ConfigError for ${JSON.stringify(text)}`);
}

/** `line:col path: message` of each problem of a config that must fail. */
export async function refused(text: string): Promise<string[]> {
  return (await problemsOf(text)).map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
}
