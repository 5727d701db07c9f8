import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildTypes } from '../../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../../src/inputs/cluster-spec.js';
import { composeRelease, readRelease, writeRelease } from '../../../src/inputs/release.js';
import type { BuildKey, BuiltImage, Digest, ImageRef } from '../../../src/inputs/types.js';
import { tempDir } from '../../helpers/temp-dir.js';

const SHA = 'c'.repeat(40);
const image = (extra: Partial<BuiltImage> = {}): BuiltImage => ({
  dockerImage: 'r.example.com/api:SVC-1' as ImageRef,
  buildKey: '1'.repeat(32) as BuildKey,
  reproducible: false,
  ...extra,
});

/** A spec written as JSON, loaded as build and deploy load it. */
async function spec(build: unknown) {
  const dir = await tempDir();
  const file = join(dir, 'spec.json');
  await writeFile(file, JSON.stringify({ build, deploy: { resources: [] } }));
  return loadClusterSpec(file, { serviceTypes: buildTypes });
}

test('a release keeps each entry as written, in its key order, and adds what the build made', async () => {
  const s = await spec({
    repositories: [
      {
        source: 'https://tok@h.example.com/api#main',
        name: 'api',
        kind: 'service',
        service: { context: 'app', buildType: 'docker' },
        docs: { a: 1 },
      },
      { name: 'lib', kind: 'other', source: 'https://h.example.com/lib' },
    ],
  });
  const release = composeRelease(
    s,
    new Map([
      ['api', `https://h.example.com/api#${SHA}`],
      ['lib', `https://h.example.com/lib#${SHA}`],
    ]),
    new Map([['api', image({ imageDigest: `sha256:${'d'.repeat(64)}` as Digest })]]),
    new Date('2026-01-02T03:04:05.000Z'),
  );
  assert.equal(
    JSON.stringify(release.build),
    JSON.stringify({
      repositories: [
        {
          source: 'https://h.example.com/api#main',
          name: 'api',
          kind: 'service',
          service: {
            context: 'app',
            buildType: 'docker',
            dockerImage: 'r.example.com/api:SVC-1',
            buildKey: '1'.repeat(32),
            reproducible: false,
            imageDigest: `sha256:${'d'.repeat(64)}`,
          },
          docs: { a: 1 },
          exactSource: `https://h.example.com/api#${SHA}`,
        },
        {
          name: 'lib',
          kind: 'other',
          source: 'https://h.example.com/lib',
          exactSource: `https://h.example.com/lib#${SHA}`,
        },
      ],
    }),
  );
  assert.deepEqual(release.release, {
    tool: { name: 'taskcluster-installer', version: release.release.tool.version },
    createdAt: '2026-01-02T03:04:05.000Z',
  });
});

test('a release built from a release keeps its layout and drops what this build did not make', async () => {
  const s = await spec({
    repositories: [
      {
        name: 'api',
        exactSource: `https://h.example.com/api#${'e'.repeat(40)}`,
        kind: 'service',
        source: 'https://h.example.com/api#main',
        service: {
          buildType: 'docker',
          dockerImage: 'old',
          engine: 'unix:///old.sock',
          imageDigest: 'sha256:old',
          buildKey: 'old',
        },
      },
    ],
  });
  const release = composeRelease(
    s,
    new Map([['api', `https://h.example.com/api#${SHA}`]]),
    new Map([['api', image()]]),
    new Date(0),
  );
  const [entry] = release.build.repositories;
  assert.deepEqual(Object.keys(entry ?? {}), ['name', 'exactSource', 'kind', 'source', 'service']);
  assert.equal(entry?.exactSource, `https://h.example.com/api#${SHA}`);
  assert.deepEqual(entry?.service, {
    buildType: 'docker',
    dockerImage: 'r.example.com/api:SVC-1',
    buildKey: '1'.repeat(32),
    reproducible: false,
  });
});

test('a release is written as 2-space JSON, and read back; what is not a release reads as none', async () => {
  const dir = await tempDir();
  const file = join(dir, 'release.json');
  const s = await spec({
    repositories: [{ name: 'lib', kind: 'other', source: 'https://h.example.com/lib' }],
  });
  const release = composeRelease(
    s,
    new Map([['lib', `https://h.example.com/lib#${SHA}`]]),
    new Map(),
    new Date(0),
  );
  await writeRelease(file, release);
  assert.equal(await readFile(file, 'utf8'), JSON.stringify(release, null, 2) + '\n');
  assert.deepEqual(await readRelease(file), release);
  assert.equal(await readRelease(join(dir, 'missing.json')), undefined);
  await writeFile(file, '{"build": {"repositories": "no"}}');
  assert.equal(await readRelease(file), undefined);
  await writeFile(file, '{"build": {"repositories": [{"kind": "other"}, {"name": "lib"}]}}');
  assert.deepEqual((await readRelease(file))?.build.repositories, [{ name: 'lib' }]);
});
