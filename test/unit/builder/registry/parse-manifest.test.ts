import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifest } from '../../../../src/builder/registry/parse-manifest.js';
import { MEDIA_TYPES } from '../../../../src/inputs/oci-types.js';

const D = `sha256:${'a'.repeat(64)}`;
const layer = { mediaType: MEDIA_TYPES.dockerLayerGzip, digest: D, size: 10 };
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

test('a Docker v2 manifest without mediaType in its body takes the Content-Type', () => {
  const parsed = parseManifest(
    json({ schemaVersion: 2, config: { ...layer, mediaType: MEDIA_TYPES.dockerConfig }, layers: [layer] }),
    `${MEDIA_TYPES.dockerManifest}; charset=utf-8`,
    'x:1',
  );
  assert.equal(parsed.kind, 'manifest');
  assert.equal(parsed.kind === 'manifest' && parsed.manifest.mediaType, MEDIA_TYPES.dockerManifest);
  assert.deepEqual(parsed.kind === 'manifest' && parsed.manifest.layers, [layer]);
});

test('an index keeps its entries and their platforms', () => {
  const entry = {
    ...layer,
    mediaType: MEDIA_TYPES.ociManifest,
    platform: { os: 'linux', architecture: 'arm64' },
  };
  const parsed = parseManifest(
    json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [entry] }),
    undefined,
    'x:1',
  );
  assert.equal(parsed.kind, 'index');
  assert.deepEqual(parsed.kind === 'index' && parsed.index.manifests, [entry]);
});

test('what a registry may send that is not an image is refused, naming the reference and why', () => {
  const cases: Array<[Buffer, string]> = [
    [Buffer.from('<html>'), 'x:1: the registry sent a manifest that is not JSON'],
    [json([1]), 'x:1: the registry sent a manifest that is not a JSON object'],
    [json({ schemaVersion: 3 }), 'x:1: the registry sent a manifest that has no "schemaVersion": 2'],
    [
      json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: layer }),
      'x:1: the registry sent a manifest that has no "layers" list',
    ],
    [
      json({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: layer,
        layers: [{ ...layer, digest: 'sha512:ab' }],
      }),
      'x:1: the registry sent a manifest that has no sha256 digest at layers[0].digest (other algorithms are not supported)',
    ],
    [
      json({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { ...layer, size: -1 },
        layers: [],
      }),
      'x:1: the registry sent a manifest that has no size at config.size',
    ],
    [
      json({ schemaVersion: 2, mediaType: 'application/vnd.example+json' }),
      'x:1: the registry sent a manifest that has media type "application/vnd.example+json", which is not an image',
    ],
    [
      json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex }),
      'x:1: the registry sent a manifest that has no "manifests" list',
    ],
  ];
  for (const [bytes, message] of cases)
    assert.throws(() => parseManifest(bytes, undefined, 'x:1'), { name: 'UserError', message });
});

test('a schema 1 manifest is refused with a hint to push the image again', () => {
  assert.throws(() => parseManifest(json({ schemaVersion: 1, fsLayers: [] }), undefined, 'old:1'), {
    message:
      'old:1 is in the old Docker schema 1 format, which is not supported (hint: push the image again with a current Docker or image tool)',
  });
});
