import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatProblem } from '../../../../src/core/problem.js';
import { isUserError } from '../../../../src/core/user-error.js';
import { checkReplaceable } from '../../../../src/deploy/output/check-replaceable.js';
import { writeResourceFiles } from '../../../../src/deploy/output/write-resource-files.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const file = (name: string) => ({
  fileName: `ConfigMap-${name}.json`,
  id: { apiVersion: 'v1', kind: 'ConfigMap', name },
  name,
  object: { kind: 'ConfigMap', metadata: { name } },
});

test('writes one 2-space JSON file per resource and replaces the directory as a whole', async () => {
  const dir = join(await tempDir(), 'out');
  await writeResourceFiles(dir, [file('a'), file('b')], () => {});
  await writeResourceFiles(dir, [file('c')], () => {});
  assert.deepEqual(await readdir(dir), ['ConfigMap-c.json']);
  assert.equal(
    await readFile(join(dir, 'ConfigMap-c.json'), 'utf8'),
    '{\n  "kind": "ConfigMap",\n  "metadata": {\n    "name": "c"\n  }\n}\n',
  );
  assert.deepEqual(await readdir(join(dir, '..')), ['out'], 'no temporary directory is left beside it');
});

test('a failure while writing leaves the previous directory untouched', async () => {
  const dir = join(await tempDir(), 'out');
  await writeResourceFiles(dir, [file('old')], () => {});
  // Two files of one name: the second write fails (the checks prevent this; the writer still must not harm).
  await assert.rejects(writeResourceFiles(dir, [file('new'), file('x'), file('x')], () => {}));
  assert.deepEqual(await readdir(dir), ['ConfigMap-old.json']);
  assert.deepEqual(await readdir(join(dir, '..')), ['out']);
});

test('refuses to replace a directory holding anything deploy did not write', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'notes.txt'), 'mine');
  await assert.rejects(checkReplaceable(dir), (e) => {
    assert.ok(isUserError(e));
    assert.equal(
      formatProblem(e.problems[0] ?? { message: '' }),
      `${dir}: refusing to replace this directory: it holds "notes.txt", which deploy did not write (hint: the output directory is replaced as a whole; name a new directory or one written by deploy)`,
    );
    return true;
  });
  const outputLike = join(dir, 'out');
  await mkdir(outputLike);
  await writeFile(join(outputLike, 'Service-a.json'), '{}');
  await checkReplaceable(outputLike);
  await checkReplaceable(join(dir, 'missing'));
});

test('a redeploy keeps the files whose content did not change (same file, same time) and rewrites the others', async () => {
  const dir = join(await tempDir(), 'out');
  const changed = (name: string) => ({ ...file(name), object: { ...file(name).object, data: { v: '2' } } });
  await writeResourceFiles(dir, [file('same'), file('changes'), file('goes')], () => {});
  const before = await stat(join(dir, 'ConfigMap-same.json'));
  const beforeChanged = await stat(join(dir, 'ConfigMap-changes.json'));
  await writeResourceFiles(dir, [file('same'), changed('changes'), file('new')], () => {});

  assert.deepEqual((await readdir(dir)).sort(), [
    'ConfigMap-changes.json',
    'ConfigMap-new.json',
    'ConfigMap-same.json',
  ]);
  const after = await stat(join(dir, 'ConfigMap-same.json'));
  assert.equal(after.ino, before.ino);
  assert.equal(after.mtimeMs, before.mtimeMs);
  assert.equal(after.nlink, 1, 'the old directory, and with it the second name, is gone');
  assert.notEqual((await stat(join(dir, 'ConfigMap-changes.json'))).ino, beforeChanged.ino);
  assert.equal(
    await readFile(join(dir, 'ConfigMap-changes.json'), 'utf8'),
    '{\n  "kind": "ConfigMap",\n  "metadata": {\n    "name": "changes"\n  },\n  "data": {\n    "v": "2"\n  }\n}\n',
  );
  assert.equal(
    await readFile(join(dir, 'ConfigMap-same.json'), 'utf8'),
    '{\n  "kind": "ConfigMap",\n  "metadata": {\n    "name": "same"\n  }\n}\n',
  );
  assert.deepEqual(await readdir(join(dir, '..')), ['out']);
});

test('a failed redeploy leaves the previous files as they were, linked from nowhere else', async () => {
  const dir = join(await tempDir(), 'out');
  await writeResourceFiles(dir, [file('a'), file('x')], () => {});
  await assert.rejects(writeResourceFiles(dir, [file('a'), file('x'), file('x')], () => {}));
  assert.deepEqual((await readdir(dir)).sort(), ['ConfigMap-a.json', 'ConfigMap-x.json']);
  for (const name of ['ConfigMap-a.json', 'ConfigMap-x.json'])
    assert.equal((await stat(join(dir, name))).nlink, 1);
  assert.deepEqual(await readdir(join(dir, '..')), ['out']);
});
