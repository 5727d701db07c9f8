import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ANNOTATIONS, OciLayout } from '../../../../src/builder/oci/oci-layout.js';
import { writeLayer } from '../../../../src/builder/oci/layer-writer.js';
import { writeImage, writeImageConfig } from '../../../../src/builder/oci/write-image.js';
import type { ImageSource } from '../../../../src/inputs/oci-types.js';
import type { Digest } from '../../../../src/inputs/types.js';
import { tempDir } from '../../../helpers/temp-dir.js';

async function baseIn(layout: OciLayout): Promise<ImageSource> {
  const layer = await layout.writeBlob(Buffer.from('base layer bytes'));
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/bin', 'HOME=/root'], User: 'node', Cmd: ['node'] },
    rootfs: { type: 'layers' as const, diff_ids: ['sha256:' + 'a'.repeat(64)] as Digest[] },
    history: [{ created_by: 'base' }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  return {
    display: 'test base',
    configDigest: ('sha256:' + 'b'.repeat(64)) as Digest,
    config,
    configBytes,
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        ...layer,
        open: async () => layout.openBlob(layer.digest),
      },
    ],
  };
}

async function image(layout: OciLayout, ref: string, service: string, content = 'hello') {
  const app = await tempDir('tci-app-');
  writeFileSync(join(app, 'index.js'), content);
  const epoch = 1_500_000_000;
  const written = await writeLayer(layout, [{ kind: 'dir', at: 'app', dir: app }], epoch);
  const image = {
    base: await baseIn(layout),
    layers: [{ createdBy: 'app', ...written }],
    settings: {
      env: { HOME: '/app', NODE_ENV: 'production' },
      workingDir: '/app',
      entrypoint: ['/entrypoint'],
      cmd: ['web'],
    },
    epoch,
  };
  return await writeImage(layout, { ...image, ref, service, config: await writeImageConfig(layout, image) });
}

describe('OciLayout and writeImage', () => {
  it('writes canonical config and manifest that reuse the base layer descriptors as they are', async () => {
    const layout = new OciLayout(await tempDir('tci-layout-'));
    const img = await image(layout, 'reg/web:SVC-1', 'web');
    assert.equal(img.manifest.layers[0]?.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    assert.equal(img.manifest.layers[1]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.ok(!img.manifestBytes.toString().includes(' '), 'no whitespace');
    const config = JSON.parse((await layout.readBlob(img.manifest.config.digest)).toString()) as {
      created: string;
      config: unknown;
      rootfs: { diff_ids: string[] };
      history: Array<{ created_by: string }>;
    };
    assert.equal(config.created, '2017-07-14T02:40:00Z');
    assert.deepEqual(config.config, {
      Env: ['PATH=/bin', 'HOME=/app', 'NODE_ENV=production'],
      User: 'node',
      WorkingDir: '/app',
      Entrypoint: ['/entrypoint'],
      Cmd: ['web'],
    });
    assert.equal(config.rootfs.diff_ids.length, 2);
    assert.deepEqual(
      config.history.map((h) => h.created_by),
      ['base', 'app'],
    );
    const again = await image(new OciLayout(await tempDir('tci-layout-')), 'reg/web:SVC-1', 'web');
    assert.equal(again.descriptor.digest, img.descriptor.digest, 'same inputs, same manifest digest');
  });

  it('names an image only when complete, keeps one image per service, and collects garbage', async () => {
    const dir = await tempDir('tci-layout-');
    const layout = new OciLayout(dir);
    const first = await image(layout, 'reg/web:SVC-1', 'web', 'one');
    await image(layout, 'reg/api:SVC-9', 'api');
    assert.equal((await layout.findImage('reg/web:SVC-1'))?.descriptor.digest, first.descriptor.digest);
    const second = await image(layout, 'reg/web:SVC-2', 'web', 'two');
    assert.equal(await layout.findImage('reg/web:SVC-1'), undefined, 'replaced by the newer image');
    assert.equal((await layout.findImage('reg/web:SVC-2'))?.descriptor.digest, second.descriptor.digest);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: unknown[] };
    assert.equal(index.manifests.length, 2);
    assert.equal(readFileSync(join(dir, 'oci-layout'), 'utf8'), '{"imageLayoutVersion":"1.0.0"}');

    writeFileSync(join(dir, 'blobs', 'sha256', '.blob.tmp-1-abc'), 'left by a kill');
    const before = readdirSync(join(dir, 'blobs', 'sha256')).length;
    await layout.collectGarbage();
    const after = readdirSync(join(dir, 'blobs', 'sha256'));
    assert.ok(after.length < before);
    assert.ok(!after.some((f) => f.includes('.tmp-')));
    assert.ok(await layout.findImage('reg/web:SVC-2'));
    assert.ok(await layout.findImage('reg/api:SVC-9'));

    const lastLayer = second.manifest.layers.at(-1)?.digest as string;
    rmSync(layout.blobPath(lastLayer));
    assert.equal(await layout.findImage('reg/web:SVC-2'), undefined, 'a missing blob: not complete');
    assert.equal(
      (await layout.readIndex()).manifests.find((m) => m.annotations?.[ANNOTATIONS.service] === 'api')
        ?.annotations?.[ANNOTATIONS.baseLayers],
      '1',
    );
  });

  it('refuses a blob whose bytes do not hash to the expected digest', async () => {
    const layout = new OciLayout(await tempDir('tci-layout-'));
    await assert.rejects(
      layout.writeBlob(Buffer.from('x'), ('sha256:' + '0'.repeat(64)) as Digest),
      /not the expected/,
    );
    assert.deepEqual(readdirSync(join(layout.dir, 'blobs', 'sha256')), []);
  });
});
