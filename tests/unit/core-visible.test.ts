// visible() and inert(): what a person reads is what was written, controls and hidden characters
// written out; inert() keeps lines.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inert, visible } from '../../lib/rules/visible.ts';

test('visible writes out controls, bidi controls, zero-width and other format characters on one line', () => {
  const table: Array<[string, string]> = [
    ['plain text, é, 日本, 👍', 'plain text, é, 日本, 👍'],
    ['a\nb\tc\rd', 'a\\nb\\tc\\rd'],
    ['\u001b[2J\u0007\u009b', '\\u001b[2J\\u0007\\u009b'],
    ['invoice\u202etxt.exe', 'invoice\\u202etxt.exe'],
    ['\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069', '\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069'],
    ['\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e', '\\u200b\\u200c\\u200d\\u2060\\u2061\\u2062\\u2063\\u2064\\ufeff\\u180e'],
    ['soft\u00adhyphen', 'soft\\u00adhyphen'],
    ['tag\u{e0041}\u{e007f}', 'tag\\u{e0041}\\u{e007f}'],
    ['blank\u3164\u115f\u1160\uffa0', 'blank\\u3164\\u115f\\u1160\\uffa0'],
    ['line\u2028para\u2029', 'line\\u2028para\\u2029'],
  ];
  for (const [input, shown] of table) assert.equal(visible(input), shown, JSON.stringify(input));
});

test('inert keeps tabs, newlines and CRLF, and writes out every other control and hidden character', () => {
  assert.equal(inert('a\tb\nc\r\nd'), 'a\tb\nc\r\nd');
  assert.equal(inert('50%\r100%\n'), '50%\\r100%\n');
  assert.equal(inert('\u001b]52;c;eA==\u0007x'), '\\u001b]52;c;eA==\\u0007x');
  assert.equal(inert('ok\u202edone\u200b\n'), 'ok\\u202edone\\u200b\n');
  assert.equal(inert('👨\u200d👩'), '👨\\u200d👩');
});

test('printable ASCII is left as it is; every control character next to it is still written out', () => {
  let ascii = '';
  for (let c = 0x20; c <= 0x7e; c++) ascii += String.fromCharCode(c);
  assert.equal(visible(ascii), ascii);
  for (let c = 0; c < 0x20; c++) assert.notEqual(visible(`a${String.fromCharCode(c)}b`), `a${String.fromCharCode(c)}b`, `U+${c.toString(16)}`);
  assert.equal(visible('a\u007fb'), 'a\\u007fb');
  assert.equal(visible('a\u00adb'), 'a\\u00adb', 'the soft hyphen, just past ASCII');
});
