import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { UserError } from '../../src/core/user-error.js';
import { fetchImage } from '../../src/builder/registry/fetch-image.js';
import { headManifest } from '../../src/builder/registry/head-manifest.js';
import { pushImage, type PushImageOptions } from '../../src/builder/registry/push-image.js';
import { MEDIA_TYPES } from '../../src/inputs/oci-types.js';
import type { ImageRef } from '../../src/inputs/types.js';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { useProxiedRegistry } from '../helpers/fault-proxy.js';
import {
  makeIndex,
  makeTestImage,
  pushTestImage,
  readAll,
  type TestImage,
} from '../helpers/oci-test-image.js';

/**
 * The daemonless registry client against a real registry, with a proxy in front that records
 * every request. The Docker daemon only checks the results (pull, run) and makes a Docker v2
 * image to read; the proxy runs in this process, so the daemon talks to the registry directly.
 */
const docker = promisify(execFile);
const ns = `tci-rc-${process.pid}`;
const localTags: string[] = [];

const rig = useProxiedRegistry();
let image: TestImage;

before(async () => {
  image = await makeTestImage(`hello from ${ns}\n`);
});
after(() => {
  for (const t of localTags) execFileSync('docker', ['rmi', '-f', t], { stdio: 'ignore' });
});

const via = (repo: string) => `${rig.proxy.host}/${ns}/${repo}` as ImageRef;
const direct = (repo: string) => `${rig.registry.host}/${ns}/${repo}`;
const uploads = () => rig.proxy.requests.filter((r) => /^(PATCH|PUT) .*\/blobs\/uploads\//.test(r));

const push = (repo: string, img: TestImage, extra: Partial<PushImageOptions> = {}) =>
  pushTestImage(via(repo), img, extra);

describe('push, then pull and run with the Docker daemon', () => {
  test('an image assembled here pushes, pulls and runs; the digest is what the registry serves', async () => {
    const { digest, lines } = await push('app:v1', image);
    assert.equal(digest, image.digest);
    assert.equal(await headManifest(via('app:v1'), undefined), digest);
    assert.equal(lines.length, image.blobs.length);
    assert.ok(
      lines.every((l) => /^blob sha256:[0-9a-f]{12}… uploaded \(\d+\.\d (kB|MB)\)$/.test(l)),
      lines.join('\n'),
    );
    assert.deepEqual(
      rig.proxy.requests.filter((r) => r.startsWith('PUT /v2/') && r.includes('/manifests/')),
      [`PUT /v2/${ns}/app/manifests/v1`],
    );

    const ref = direct('app:v1');
    localTags.push(ref);
    await docker('docker', ['pull', '-q', ref]);
    const { stdout } = await docker('docker', ['run', '--rm', '--network', 'none', ref]);
    assert.equal(stdout, `hello from ${ns}\n`);
    const { stdout: repoDigests } = await docker('docker', [
      'image',
      'inspect',
      '-f',
      '{{json .RepoDigests}}',
      ref,
    ]);
    assert.ok(repoDigests.includes(`${ns}/app@${digest}`), repoDigests);
  });

  test('pushing again uploads nothing: every blob exists, only the manifest is put', async () => {
    const { digest, lines } = await push('app:v1', image);
    assert.equal(digest, image.digest);
    assert.ok(
      lines.every((l) => l.endsWith(' exists')),
      lines.join('\n'),
    );
    assert.deepEqual(uploads(), []);
    assert.ok(!rig.proxy.requests.some((r) => r.startsWith('POST')), rig.proxy.requests.join('\n'));
  });

  test('blobs of another repository of the registry are mounted, not uploaded', async () => {
    const blobs = image.blobs.map((b) => ({ ...b, mountFrom: via('app:v1') }));
    const { lines } = await push('mounted:v1', { ...image, blobs });
    assert.ok(
      lines.every((l) => l.endsWith(` mounted from ${ns}/app`)),
      lines.join('\n'),
    );
    const posts = rig.proxy.requests.filter((r) => r.startsWith('POST'));
    assert.equal(posts.length, image.blobs.length);
    for (const b of image.blobs) {
      assert.ok(
        posts.includes(
          `POST /v2/${ns}/mounted/blobs/uploads/?mount=${encodeURIComponent(b.digest)}&from=${encodeURIComponent(`${ns}/app`)}`,
        ),
        posts.join('\n'),
      );
    }
    assert.deepEqual(uploads(), []);
    const fetched = await fetchImage(via('mounted:v1'), undefined);
    assert.equal(fetched?.manifestDigest, image.digest);
  });

  test('a blob larger than the chunk size goes up in PATCH chunks, then one PUT', async () => {
    const big = await makeTestImage(`chunked ${ns}\n`);
    const largest = Math.max(...big.blobs.map((b) => b.size));
    await push('chunked:v1', big, { chunkBytes: 256 * 1024 });
    const patches = rig.proxy.requests.filter((r) => r.startsWith('PATCH'));
    assert.equal(patches.length, Math.ceil(largest / (256 * 1024)));
    const ref = direct('chunked:v1');
    localTags.push(ref);
    await docker('docker', ['pull', '-q', ref]);
    assert.equal(
      (await docker('docker', ['run', '--rm', '--network', 'none', ref])).stdout,
      `chunked ${ns}\n`,
    );
  });
});

describe('fetchImage', () => {
  test('reads an image that docker push wrote (Docker v2 manifest), its config and layers', async () => {
    const ref = direct('pushed:v1');
    localTags.push(ref);
    execFileSync('docker', ['tag', ensureBusyboxImage(), ref]);
    await docker('docker', ['push', '-q', ref]);
    const id = execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', ref], {
      encoding: 'utf8',
    }).trim();

    const fetched = await fetchImage(via('pushed:v1'), undefined);
    assert.ok(fetched);
    assert.equal(fetched.manifestDigest, await headManifest(via('pushed:v1'), undefined));
    assert.equal(fetched.configDigest, id);
    assert.equal(fetched.display, `${rig.proxy.host}/${ns}/pushed@${fetched.manifestDigest}`);
    assert.equal(fetched.layers[0]?.mediaType, MEDIA_TYPES.dockerLayerGzip);
    assert.equal(fetched.config.rootfs.diff_ids.length, fetched.layers.length);
    for (const layer of fetched.layers) {
      const bytes = await readAll(await layer.open());
      assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, layer.digest);
    }
  });

  test('an index is resolved to the manifest of the platform asked for', async () => {
    const arm = await makeTestImage(`hello from ${ns}\n`, 'arm64');
    await push(`multi@${image.digest}`, image);
    await push(`multi@${arm.digest}`, arm);
    const index = makeIndex([
      { image, architecture: 'amd64' },
      { image: arm, architecture: 'arm64' },
    ]);
    await pushImage({ ref: via('multi:v1'), manifest: index, blobs: [], auth: undefined });

    const amd = await fetchImage(via('multi:v1'), undefined, {
      platform: { os: 'linux', architecture: 'amd64' },
    });
    assert.equal(amd?.manifestDigest, image.digest);
    assert.equal(amd?.config.architecture, 'amd64');
    const arm64 = await fetchImage(via('multi:v1'), undefined, {
      platform: { os: 'linux', architecture: 'arm64' },
    });
    assert.equal(arm64?.manifestDigest, arm.digest);
    assert.deepEqual(arm64?.configBytes, await readAll(await arm.config.open()));
    await assert.rejects(
      () => fetchImage(via('multi:v1'), undefined, { platform: { os: 'linux', architecture: 's390x' } }),
      {
        message: `${via('multi:v1')} has no image for linux/s390x; its index lists linux/amd64, linux/arm64`,
      },
    );
  });

  test('a tag or repository the registry does not have is undefined', async () => {
    assert.equal(await fetchImage(via('app:nope'), undefined), undefined);
    assert.equal(await fetchImage(via('nothing-here:v1'), undefined), undefined);
  });

  test('a layer whose stored bytes do not match its digest is refused while streaming', async () => {
    const damaged = await makeTestImage(`damaged ${ns}\n`);
    await push('damaged:v1', damaged);
    const layer = damaged.layers.at(-1)!;
    const hex = layer.digest.slice('sha256:'.length);
    const file = join(rig.registry.dataDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    // Same length, one byte changed: only the digest can tell.
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 10) ^ 0xff, bytes.length - 10);
    writeFileSync(file, bytes);

    const fetched = await fetchImage(via('damaged:v1'), undefined);
    const opened = fetched?.layers.find((l) => l.digest === layer.digest);
    assert.ok(opened);
    await assert.rejects(
      async () => readAll(await opened.open()),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(
          e.message,
          new RegExp(
            `^registry ${rig.proxy.host} sent blob ${layer.digest} of ${rig.proxy.host}/${ns}/damaged with the wrong bytes: its bytes hash to sha256:`,
          ),
        );
        return true;
      },
    );
  });
});
