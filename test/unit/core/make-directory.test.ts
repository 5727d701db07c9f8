import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDirectory } from '../../../src/core/make-directory.js';
import { tempDir } from '../../helpers/temp-dir.js';

const moduleUrl = new URL('../../../src/core/make-directory.ts', import.meta.url).href;

/**
 * `makeDirectory(path)` in a child process that is killed after 10 s. Node's own recursive
 * mkdir loops forever on these paths, synchronously: run in this process, a regression would
 * hang the test run instead of failing it.
 */
function makeInChild(path: string): { error?: string; made?: string; signal: string | null } {
  const code = `import { makeDirectory } from ${JSON.stringify(moduleUrl)};
try { console.log(JSON.stringify({ made: makeDirectory(${JSON.stringify(path)}) ?? null })); }
catch (e) { console.log(JSON.stringify({ error: e.code + ' ' + e.path })); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 10_000,
    killSignal: 'SIGKILL',
  });
  return { ...(r.stdout !== '' ? (JSON.parse(r.stdout) as object) : {}), signal: r.signal };
}

test('makes every missing parent and returns the first directory it made, as mkdir -p does', async () => {
  const dir = await tempDir();
  assert.equal(makeDirectory(join(dir, 'a', 'b', 'c'), 0o700), join(dir, 'a'));
  assert.ok(statSync(join(dir, 'a', 'b', 'c')).isDirectory());
  assert.equal(statSync(join(dir, 'a', 'b')).mode & 0o777, 0o700);
  // Already there: nothing made.
  assert.equal(makeDirectory(join(dir, 'a', 'b', 'c')), undefined);
  assert.equal(makeDirectory(join(dir, 'a', 'b', 'd')), join(dir, 'a', 'b', 'd'));
});

test('a file in the way is an error naming the path, as mkdir -p reports it', async () => {
  const dir = await tempDir();
  writeFileSync(join(dir, 'file'), 'x');
  assert.throws(() => makeDirectory(join(dir, 'file')), { code: 'EEXIST', path: join(dir, 'file') });
  assert.throws(() => makeDirectory(join(dir, 'file', 'x', 'y')), { code: 'ENOTDIR' });
});

test('under /proc, where mkdir answers ENOENT beside an existing parent: the ENOENT, at once', () => {
  assert.deepEqual(makeInChild('/proc/tci-make-directory/a'), {
    error: 'ENOENT /proc/tci-make-directory',
    signal: null,
  });
});
