import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, test } from 'node:test';
import { connectDockerEngine } from '../../../../src/builder/engines/connect-docker-engine.js';
import { sharedImageLookups } from '../../../../src/builder/engines/shared-image-lookups.js';
import { ensureBusyboxImage } from '../../../helpers/base-images.js';

const base = ensureBusyboxImage();
const later = `tci-test-shared-lookups-${process.pid}:later`;
after(() => execFileSync('docker', ['rmi', '-f', later], { stdio: 'ignore' }));

test('concurrent lookups of one image share one answer from the real daemon', async () => {
  const engine = sharedImageLookups(connectDockerEngine());
  const answers = await Promise.all(Array.from({ length: 20 }, () => engine.imageInfo(base)));
  const first = answers[0];
  assert.ok(first !== undefined);
  for (const a of answers) assert.equal(a, first);
  assert.equal(await engine.imageExists(base), true);
});

test('an image not found is looked up again, so one pulled or tagged since is seen', async () => {
  const engine = sharedImageLookups(connectDockerEngine());
  assert.equal(await engine.imageInfo(later), undefined);
  execFileSync('docker', ['tag', base, later]);
  const info = await engine.imageInfo(later);
  assert.equal(info?.id, (await engine.imageInfo(base))?.id);
});
