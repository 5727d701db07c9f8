import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { connectDockerEngine } from '../../src/builder/engines/connect-docker-engine.js';
import type { DockerEngine } from '../../src/builder/engines/docker-engine.js';
import { importDockerArchive } from '../../src/builder/oci/import-docker-archive.js';
import { writeLayer } from '../../src/builder/oci/layer-writer.js';
import { OciLayout } from '../../src/builder/oci/oci-layout.js';
import { writeImage, writeImageConfig } from '../../src/builder/oci/write-image.js';
import { EarlyLoad } from '../../src/builder/producers/early-load.js';
import { loadNewImage } from '../../src/builder/producers/load-new-image.js';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { removeImages } from '../helpers/remove-images.js';
import { tempDir } from '../helpers/temp-dir.js';

const prefix = `tci-test-load-${process.pid}/`;
after(() => removeImages(`${prefix}*`));

/**
 * An image of the busybox base plus one layer, written into a layout, and what loading it
 * needs; `noise` adds that many random (incompressible) bytes to the layer.
 */
async function newImage(name: string, noise = 0) {
  const daemon = connectDockerEngine();
  const busybox = ensureBusyboxImage();
  const layout = new OciLayout(await tempDir('tci-load-'));
  const base = await importDockerArchive(layout, await daemon.exportImage(busybox), busybox);
  const file = { kind: 'file' as const, at: 'hello.txt', content: `hello ${name}\n`, mode: 0o644 as const };
  const extra = { kind: 'file' as const, at: 'noise.bin', content: randomBytes(noise), mode: 0o644 as const };
  const layer = await writeLayer(layout, noise > 0 ? [file, extra] : [file], 1_600_000_000);
  const settings = { env: {}, workingDir: '/', entrypoint: ['/bin/cat'], cmd: ['/hello.txt'] };
  const common = { base, layers: [{ createdBy: 'test', ...layer }], settings, epoch: 1_600_000_000 };
  const config = await writeImageConfig(layout, common);
  const ref = `${prefix}${name}:1`;
  const complete = async () => ({
    layout,
    image: await writeImage(layout, { ...common, ref, service: name, config }),
  });
  const diffIds = base.config.rootfs.diff_ids;
  const layers = [
    ...base.layers.map((l, i) => ({
      diffId: diffIds[i] as string,
      file: layout.blobPath(l.digest),
      size: l.size,
    })),
    { diffId: layer.diffId, file: layout.blobPath(layer.descriptor.digest), size: layer.descriptor.size },
  ];
  return {
    daemon,
    busybox,
    ref,
    complete,
    image: { ref, configBytes: config.bytes, configDigest: config.digest, layers },
  };
}

/** The engine, counting loads; `claims` makes it say an image holds layers it does not. */
function counting(engine: DockerEngine, claims: Record<string, string[]> = {}) {
  const loads: string[] = [];
  const finished: string[] = [];
  const wrapped: DockerEngine = {
    ...engine,
    imageInfo: async (ref) => {
      const info = await engine.imageInfo(ref);
      return claims[ref] !== undefined ? { id: 'sha256:liar', repoDigests: [], layers: claims[ref] } : info;
    },
    loadImage: async (archive, label, signal) => {
      loads.push(label);
      await engine.loadImage(archive, label, signal);
      finished.push(label);
    },
  };
  return { wrapped, loads, finished };
}

const idOf = (ref: string) =>
  execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', ref], { encoding: 'utf8' }).trim();

describe('loading a new image into the daemon', () => {
  it('sends only what the daemon lacks: one load, the image ID the config digest', async () => {
    const n = await newImage('slim');
    const { wrapped, loads, finished } = counting(n.daemon);
    const signal = new AbortController().signal;
    let sentBeforeLoaded: boolean | undefined;
    const onSent = () => (sentBeforeLoaded ??= loads.length === 1 && finished.length === 0);
    await loadNewImage(
      wrapped,
      { ...n.image, related: [n.busybox] },
      { complete: n.complete, label: 'load slim', onSent },
      signal,
    );
    assert.deepEqual(loads, ['load slim']);
    // The caller compresses the new layers then, while the daemon is still loading.
    assert.equal(sentBeforeLoaded, true);
    assert.equal(idOf(n.ref), n.image.configDigest);
    assert.equal(execFileSync('docker', ['run', '--rm', n.ref], { encoding: 'utf8' }), 'hello slim\n');
  });

  it('falls back to the whole image when the daemon refuses the slim archive', async () => {
    const n = await newImage('refused');
    // The "related" image claims every layer: the slim archive then holds none, which the
    // daemon cannot load, and the whole image is sent.
    const { wrapped, loads } = counting(n.daemon, {
      'tci-test/claims-everything': n.image.layers.map((l) => l.diffId),
    });
    const signal = new AbortController().signal;
    // The whole image waits for its layers' compression, which waits for the slim archive to
    // be sent: the refusal must count as sent, or the build would wait forever.
    let sent = false;
    await loadNewImage(
      wrapped,
      { ...n.image, related: ['tci-test/claims-everything'] },
      {
        complete: () => (sent ? n.complete() : Promise.reject(new Error('complete before sent'))),
        label: 'load',
        onSent: () => (sent = true),
      },
      signal,
    );
    assert.deepEqual(loads, ['load', 'load']);
    assert.equal(idOf(n.ref), n.image.configDigest);
    assert.equal(execFileSync('docker', ['run', '--rm', n.ref], { encoding: 'utf8' }), 'hello refused\n');
  });
  it('an early load, opened before the image is written, loads it when finished; a dismissed one loads nothing', async () => {
    const n = await newImage('early');
    const { wrapped, loads, finished } = counting(n.daemon);
    const signal = new AbortController().signal;
    const early = new EarlyLoad(wrapped, 'early load', signal);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(finished, [], 'the daemon waits for the rest of the archive');
    await loadNewImage(
      wrapped,
      { ...n.image, related: [n.busybox] },
      { complete: n.complete, label: 'load', early },
      signal,
    );
    assert.deepEqual(loads, ['early load'], 'no other load');
    assert.equal(idOf(n.ref), n.image.configDigest);
    assert.equal(execFileSync('docker', ['run', '--rm', n.ref], { encoding: 'utf8' }), 'hello early\n');
    const dismissed = new EarlyLoad(wrapped, 'dismissed', signal);
    const ending = dismissed.dismiss();
    assert.equal(dismissed.dismiss(), ending, 'ended once; a second call waits for the same answer');
    await ending;
    assert.equal(dismissed.open, false);
    assert.deepEqual(finished, ['early load', 'dismissed'], 'the daemon took the empty archive');
  });

  // A load nobody reads any more once held its image for ever: hence the limit.
  it(
    'loads the image whole when its early load fails first, not waiting on the failed one',
    { timeout: 120_000 },
    async () => {
      const n = await newImage('early-fails', 40 << 20);
      const { wrapped, loads } = counting(n.daemon);
      // A daemon that takes the first bytes and fails the load, as one whose disk filled up.
      const failing: DockerEngine = {
        ...wrapped,
        loadImage: async (archive, label) => {
          loads.push(label);
          await new Promise((resolve) => archive.once('readable', resolve));
          archive.read(); // one chunk, and no more
          throw new Error('no space left on device');
        },
      };
      const signal = new AbortController().signal;
      const early = new EarlyLoad(failing, 'early', signal);
      await loadNewImage(
        wrapped,
        { ...n.image, related: [n.busybox] },
        { complete: n.complete, label: 'whole', early },
        signal,
      );
      assert.deepEqual(loads, ['early', 'whole']);
      assert.equal(idOf(n.ref), n.image.configDigest);
      assert.equal(
        execFileSync('docker', ['run', '--rm', n.ref], { encoding: 'utf8' }),
        'hello early-fails\n',
      );
    },
  );
});
