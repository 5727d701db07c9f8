import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../../../src/core/atomic-fs.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('writeFileAtomic removes what a killed writer left beside the file, and nothing else', async () => {
  const dir = await tempDir('tci-atomic-');
  const file = join(dir, 'release.json');
  // A pid that existed and is gone: a child that has exited.
  const deadPid = spawnSync('true').pid;
  const dead = `.release.json.tmp-${deadPid}-0badc0de`;
  const live = `.release.json.tmp-${process.pid}-0123abcd`;
  const other = `.other.json.tmp-${deadPid}-0badc0de`;
  for (const name of [dead, live, other]) writeFileSync(join(dir, name), 'partial');

  await writeFileAtomic(file, '{"new": true}\n');

  assert.equal(readFileSync(file, 'utf8'), '{"new": true}\n');
  assert.deepEqual(readdirSync(dir).sort(), [live, other, 'release.json'].sort());
});
