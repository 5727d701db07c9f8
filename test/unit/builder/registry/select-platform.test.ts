import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostPlatform, selectPlatform } from '../../../../src/builder/registry/select-platform.js';
import { MEDIA_TYPES, type OciIndex, type OciPlatform } from '../../../../src/inputs/oci-types.js';
import type { Digest } from '../../../../src/inputs/types.js';

const entry = (n: number, platform?: OciPlatform) => ({
  mediaType: MEDIA_TYPES.ociManifest,
  digest: `sha256:${String(n).repeat(64)}` as Digest,
  size: 100,
  ...(platform ? { platform } : {}),
});
const index: OciIndex = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.ociIndex,
  manifests: [
    entry(1, { os: 'linux', architecture: 'amd64' }),
    entry(2, { os: 'linux', architecture: 'arm', variant: 'v6' }),
    entry(3, { os: 'linux', architecture: 'arm', variant: 'v7' }),
    entry(4, { os: 'linux', architecture: 'arm64' }),
    entry(5, { os: 'unknown', architecture: 'unknown' }),
  ],
};

test("this machine's platform in OCI names", () => {
  const expected = { x64: 'amd64', arm64: 'arm64' }[process.arch as 'x64' | 'arm64'] ?? process.arch;
  assert.deepEqual(hostPlatform(), { os: 'linux', architecture: expected });
});

test('the entry for a platform; a variant counts only when asked for', () => {
  assert.equal(selectPlatform(index, { os: 'linux', architecture: 'amd64' }, 'x').digest, entry(1).digest);
  assert.equal(
    selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x').digest,
    entry(3).digest,
  );
  assert.equal(selectPlatform(index, { os: 'linux', architecture: 'arm' }, 'x').digest, entry(2).digest);
  assert.equal(
    selectPlatform(index, { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'x').digest,
    entry(4).digest,
  );
});

test('no entry for the platform: the error lists the platforms there are, without attestations', () => {
  assert.throws(() => selectPlatform(index, { os: 'windows', architecture: 'amd64' }, 'img:1'), {
    message:
      'img:1 has no image for windows/amd64; its index lists linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64',
  });
  assert.throws(
    () =>
      selectPlatform({ ...index, manifests: [entry(6)] }, { os: 'linux', architecture: 'amd64' }, 'img:1'),
    {
      message: 'img:1 has no image for linux/amd64; its index lists no platforms',
    },
  );
});
