import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareUtf8 } from '../../../src/core/compare-utf8.js';

describe('compareUtf8', () => {
  it('orders paths as their UTF-8 bytes, surrogate pairs and private-use characters included', () => {
    const names = [
      '',
      'a',
      'a/b',
      'a-c',
      'a/',
      'ab',
      'B',
      '\u007f',
      'é',
      'ü/x',
      '\u07ff',
      '\u0800',
      '\ud7ff',
      '\ue000',
      '\uffff',
      '😀',
      '😀a',
      '𐀀',
      'x\ue000',
      'x😀',
      'x\uffff',
    ];
    for (const a of names)
      for (const b of names) {
        const bytes = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
        assert.equal(Math.sign(compareUtf8(a, b)), bytes, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
  });
});
