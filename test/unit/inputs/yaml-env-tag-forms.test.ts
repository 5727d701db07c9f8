import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYaml } from '../../../src/inputs/yaml-file.js';

// parseYaml walks the document for `!env` tags only when the text could hold one; every way
// of writing the tag must still be found.
const env = { TCI_TEST_VALUE: 'from-env' };

test('every spelling of the !env tag is resolved in a config file', () => {
  for (const text of [
    'a: !env TCI_TEST_VALUE\n',
    'a: !<!env> TCI_TEST_VALUE\n',
    '%TAG !e! !en\n---\na: !e!v TCI_TEST_VALUE\n',
  ]) {
    const r = parseYaml(text, 'c.yml', { env });
    assert.deepEqual(r.problems, [], text);
    assert.deepEqual(r.value, { a: 'from-env' }, text);
    assert.deepEqual(r.envValues, ['from-env'], text);
  }
});

test('every spelling of the !env tag is refused where !env is not allowed', () => {
  for (const text of ['a: !env X\n', 'a: !<!env> X\n', '%TAG !e! !en\n---\na: !e!v X\n']) {
    const r = parseYaml(text, 'build.yml', { env: undefined });
    assert.deepEqual(
      r.problems.map((p) => p.message),
      ['!env is not allowed in this file (only in config files)'],
      text,
    );
  }
});

test('text that only mentions !env in a string is data', () => {
  const r = parseYaml('a: "!env X"\n', 'build.yml', { env: undefined });
  assert.deepEqual(r.value, { a: '!env X' });
});
