import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYaml } from '../../../src/inputs/yaml-file.js';

describe('parseYaml', () => {
  it('!env reads the environment and collects the values read', () => {
    const y = parseYaml('a:\n  pw: !env PW\n  n: 1\n', 'c.yml', { env: { PW: 'hunter22' } });
    assert.deepEqual(y.problems, []);
    assert.deepEqual(y.value, { a: { pw: 'hunter22', n: 1 } });
    assert.deepEqual(y.envValues, ['hunter22']);
  });

  it('an unset !env variable is a problem naming the variable, file and line', () => {
    const y = parseYaml('a: 1\nb: !env NOPE_NOT_SET\nc: !env ALSO_UNSET\n', 'c.yml', { env: {} });
    assert.deepEqual(
      y.problems.map((p) => [p.file, p.line, p.message]),
      [
        ['c.yml', 2, 'environment variable NOPE_NOT_SET is not set (read by !env)'],
        ['c.yml', 3, 'environment variable ALSO_UNSET is not set (read by !env)'],
      ],
    );
  });

  it('!env is refused where no environment is offered (specs)', () => {
    const y = parseYaml('a: !env HOME\n', 'build.yml', { env: undefined });
    assert.equal(y.problems[0]?.message, '!env is not allowed in this file (only in config files)');
  });

  it('lineOf maps paths to the line of the key or list item', () => {
    const y = parseYaml('---\nrepositories:\n- name: a\n  kind: service\n- name: b\n', 'b.yml', {
      env: undefined,
    });
    assert.equal(y.lineOf(['repositories']), 2);
    assert.equal(y.lineOf(['repositories', 0, 'kind']), 4);
    assert.equal(y.lineOf(['repositories', 1]), 5);
    assert.equal(y.lineOf(['repositories', 1, 'missing']), 5, 'falls back to the nearest ancestor');
  });

  it('syntax errors, duplicate keys and unknown tags are problems with lines', () => {
    assert.deepEqual(
      parseYaml('a: 1\nb: c: d\n', 'x.yml', { env: undefined }).problems.map((p) => p.line),
      [2],
    );
    assert.match(parseYaml('a: 1\na: 2\n', 'x.yml', { env: undefined }).problems[0]?.message ?? '', /unique/);
    assert.match(
      parseYaml('a: !evn X\n', 'x.yml', { env: {} }).problems[0]?.message ?? '',
      /Unresolved tag: !evn/,
    );
  });

  it('an alias bomb is refused quickly instead of expanding', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 12; i++)
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    const y = parseYaml(text, 'bomb.yml', { env: undefined });
    assert.equal(y.value, undefined);
    assert.match(y.problems[0]?.message ?? '', /too many alias expansions/);
  });

  it('deep nesting: read when reasonable, one clear problem when absurd', () => {
    const ok = parseYaml('a: ' + '['.repeat(200) + ']'.repeat(200) + '\n', 'deep.yml', { env: undefined });
    assert.deepEqual(ok.problems, []);
    const deep = parseYaml('a: ' + '['.repeat(20000) + ']'.repeat(20000) + '\n', 'deep.yml', {
      env: undefined,
    });
    assert.deepEqual(deep.problems, [{ file: 'deep.yml', message: 'nesting is too deep to read' }]);
  });
});
