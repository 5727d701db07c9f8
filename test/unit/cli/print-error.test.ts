import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeError } from '../../../src/cli/print-error.js';
import { InternalError, UserError } from '../../../src/core/user-error.js';

const plain = (s: string) => s;

test('a bug is worded "internal error" exactly once, however it was wrapped', () => {
  for (const e of [
    new InternalError('no digest recorded for api'),
    new Error('internal error: no digest recorded for api'),
    new Error('internal error: internal error: no digest recorded for api'),
  ]) {
    const { text, exitCode } = describeError(e, plain);
    assert.equal(text.split('\n')[0], 'internal error: no digest recorded for api');
    assert.equal(exitCode, 1);
  }
});

test("a user error is the user's paragraph, with no internal-error wording", () => {
  const { text } = describeError(new UserError({ file: 'build.yml', message: 'bad' }), plain);
  assert.equal(text, 'error: build.yml: bad');
});
