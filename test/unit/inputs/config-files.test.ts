import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configFileNames, deepMerge, readConfigFiles } from '../../../src/inputs/config-files.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('deepMerge', () => {
  it('merges mappings key by key; lists, scalars and null replace', () => {
    const base = { a: { b: 1, c: [1, 2], d: 'x' }, keep: true, gone: { x: 1 } };
    const over = { a: { c: [3], d: null, e: 'new' }, gone: 'replaced' };
    assert.deepEqual(deepMerge(base, over), {
      a: { b: 1, c: [3], d: null, e: 'new' },
      keep: true,
      gone: 'replaced',
    });
    assert.deepEqual(base.a.c, [1, 2], 'inputs are not modified');
  });

  it('a mapping replaces a scalar and the other way round', () => {
    assert.deepEqual(deepMerge({ a: 1 }, { a: { b: 2 } }), { a: { b: 2 } });
    assert.deepEqual(deepMerge({ a: { b: 2 } }, { a: 1 }), { a: 1 });
  });

  it('a "__proto__" key stays data and pollutes nothing', () => {
    const over = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    const merged = deepMerge({ a: 0 }, over) as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(merged['a'], 1);
    assert.ok(Object.hasOwn(merged, '__proto__'));
  });
});

describe('configFileNames / readConfigFiles', () => {
  it('without files, reads the default names present in cwd, in order', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'user-x.yml'), 'a: {b: 2}\n');
    assert.deepEqual(await configFileNames(undefined, dir, ['x.yml', 'user-x.yml']), ['user-x.yml']);
    await writeFile(join(dir, 'x.yml'), 'a: {b: 1, c: 1}\n');
    const read = await readConfigFiles(undefined, dir, {}, ['x.yml', 'user-x.yml']);
    assert.deepEqual(
      read.files.map((f) => [f.file, f.value]),
      [
        ['x.yml', { a: { b: 1, c: 1 } }],
        ['user-x.yml', { a: { b: 2 } }],
      ],
    );
  });

  it('given files must exist, and an empty file is an empty mapping', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'empty.yml'), '# nothing yet\n');
    const read = await readConfigFiles(['empty.yml', 'missing.yml'], dir, {}, []);
    assert.deepEqual(
      read.files.map((f) => f.value),
      [{}],
    );
    assert.deepEqual(read.problems, [{ file: 'missing.yml', message: 'file not found' }]);
  });
});
