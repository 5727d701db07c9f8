import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readStamp, removeStamp, writeStamp } from '../../../../src/builder/state/stamp-file.js';
import { tempDir } from '../../../helpers/temp-dir.js';

test('a stamp reads back what was written, and leaves no temporary files', async () => {
  const dir = await tempDir();
  const file = join(dir, 'stamps', 'svc.json');
  assert.equal(await readStamp(file), undefined);
  await writeStamp(file, { buildKey: 'k1', image: 'x:SVC-k1' });
  assert.deepEqual(await readStamp(file), { buildKey: 'k1', image: 'x:SVC-k1' });
  assert.deepEqual(await readdir(join(dir, 'stamps')), ['svc.json']);
  await removeStamp(file);
  assert.equal(await readStamp(file), undefined);
});

test('a damaged stamp counts as absent, never as done', async () => {
  const dir = await tempDir();
  const file = join(dir, 'svc.json');
  await writeFile(file, '{"buildKey": "k1", "ima');
  assert.equal(await readStamp(file), undefined);
});
