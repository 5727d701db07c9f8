import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatProblem } from '../../../../src/core/problem.js';
import { isUserError } from '../../../../src/core/user-error.js';
import { checkReplaceable } from '../../../../src/deploy/output/check-replaceable.js';
import { writeResourceFiles } from '../../../../src/deploy/output/write-resource-files.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const file = (name: string) => ({
  fileName: `ConfigMap-${name}.json`,
  kind: 'ConfigMap',
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
