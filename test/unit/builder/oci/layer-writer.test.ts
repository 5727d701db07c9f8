import assert from 'node:assert/strict';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import tarStream from 'tar-stream';
import { folderEntries } from '../../../../src/builder/oci/layer-entries.js';
import { writeLayer, writeLayerFile } from '../../../../src/builder/oci/layer-writer.js';
import { sha256Digest } from '../../../../src/builder/oci/digest-tap.js';
import { OciLayout } from '../../../../src/builder/oci/oci-layout.js';
import type { LayerSource } from '../../../../src/inputs/oci-types.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const EPOCH = 1_600_000_000;
const LONG = `${'deep/'.repeat(25)}file-with-a-long-name.txt`;

/** The same tree, made with the given modes and times, as two machines with other umasks would. */
async function makeTree(opts: { dirMode: number; fileMode: number; exeMode: number; time: number }) {
  const root = await tempDir('tci-layer-');
  const dir = join(root, 'app');
  mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
  mkdirSync(join(dir, 'empty'));
  mkdirSync(join(dir, LONG, '..'), { recursive: true });
  writeFileSync(join(dir, 'server.js'), 'console.log(1)\n');
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
  writeFileSync(join(dir, 'node_modules', 'x', 'index.js'), 'module.exports = 1;\n');
  writeFileSync(join(dir, 'Ünïcode.txt'), 'ü\n');
  writeFileSync(join(dir, LONG), 'long\n');
  linkSync(join(dir, 'server.js'), join(dir, 'hardlink.js'));
  symlinkSync('server.js', join(dir, 'link.js'));
  symlinkSync(`../${'t'.repeat(120)}`, join(dir, 'long-link'));
  for (const f of ['server.js', 'node_modules/x/index.js', 'Ünïcode.txt', LONG])
    chmodSync(join(dir, f), opts.fileMode);
  chmodSync(join(dir, 'run.sh'), opts.exeMode);
  for (const d of ['', 'node_modules', 'node_modules/x', 'empty']) chmodSync(join(dir, d), opts.dirMode);
  for (const f of ['server.js', 'run.sh', 'empty', '']) utimesSync(join(dir, f), opts.time, opts.time);
  return dir;
}

async function layer(dir: string, extra: LayerSource[] = [], epoch = EPOCH) {
  const layout = new OciLayout(await tempDir('tci-layout-'));
  const written = await writeLayer(layout, [{ kind: 'dir', at: 'app', dir }, ...extra], epoch);
  return { layout, written, bytes: readFileSync(layout.blobPath(written.descriptor.digest)) };
}

async function entries(gz: Buffer): Promise<tarStream.Header[]> {
  const out: tarStream.Header[] = [];
  const extract = tarStream.extract();
  Readable.from([gunzipSync(gz)]).pipe(extract as unknown as Writable);
  for await (const entry of extract) {
    out.push(entry.header);
    entry.resume();
  }
  return out;
}

describe('writeLayer', () => {
  it('gives the same bytes for the same files whatever their modes, owners and times on disk', async () => {
    const a = await layer(await makeTree({ dirMode: 0o755, fileMode: 0o644, exeMode: 0o755, time: 1e9 }));
    const b = await layer(await makeTree({ dirMode: 0o700, fileMode: 0o600, exeMode: 0o700, time: 2e9 }));
    assert.equal(a.written.descriptor.digest, b.written.descriptor.digest);
    assert.equal(a.written.diffId, b.written.diffId);
    assert.ok(a.bytes.equals(b.bytes));
    assert.equal(a.written.descriptor.size, a.bytes.length);
    assert.equal(a.written.descriptor.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  });

  it('writes sorted entries owned by 0:0 at the epoch with fixed modes, hard links as files', async () => {
    const dir = await makeTree({ dirMode: 0o700, fileMode: 0o600, exeMode: 0o700, time: 1e9 });
    const { bytes } = await layer(dir, [
      { kind: 'file', at: 'entrypoint', content: '#!/bin/sh\n', mode: 0o755 },
    ]);
    const list = await entries(bytes);
    const names = list.map((h) => h.name);
    assert.deepEqual(
      names,
      [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
    );
    assert.ok(names.includes(`app/${LONG}`), 'a long path is kept whole');
    const by = (n: string) => list.find((h) => h.name === n) as tarStream.Header;
    for (const h of list) {
      assert.equal(h.uid, 0);
      assert.equal(h.gid, 0);
      assert.equal(h.uname, '');
      assert.equal(h.gname, '');
      assert.equal(h.mtime?.getTime(), EPOCH * 1000);
    }
    assert.equal(by('app/').mode, 0o755);
    assert.equal(by('app/empty/').type, 'directory');
    assert.equal(by('app/server.js').mode, 0o644);
    assert.equal(by('app/run.sh').mode, 0o755);
    assert.equal(by('entrypoint').mode, 0o755);
    assert.equal(by('app/hardlink.js').type, 'file');
    assert.equal(by('app/hardlink.js').size, 15);
    assert.equal(by('app/link.js').type, 'symlink');
    assert.equal(by('app/link.js').linkname, 'server.js');
    assert.equal(by('app/long-link').linkname, `../${'t'.repeat(120)}`);
    assert.equal(by('app/Ünïcode.txt').size, 3);
  });

  it('changes with a file content, a mode bit that matters, and the epoch', async () => {
    const dir = await makeTree({ dirMode: 0o755, fileMode: 0o644, exeMode: 0o755, time: 1e9 });
    const base = (await layer(dir)).written.descriptor.digest;
    assert.notEqual((await layer(dir, [], EPOCH + 1)).written.descriptor.digest, base);
    chmodSync(join(dir, 'server.js'), 0o744);
    const exec = (await layer(dir)).written.descriptor.digest;
    assert.notEqual(exec, base);
    writeFileSync(join(dir, 'server.js'), 'console.log(2)\n');
    assert.notEqual((await layer(dir)).written.descriptor.digest, exec);
  });

  it('gives the same bytes for the same files however they come: a folder, or entries merged with a file', async () => {
    const dir = await makeTree({ dirMode: 0o700, fileMode: 0o600, exeMode: 0o700, time: 1e9 });
    const entrypoint: LayerSource = { kind: 'file', at: 'entrypoint', content: '#!/bin/sh\n', mode: 0o755 };
    const fromFolder = await layer(dir, [entrypoint]);
    const listed = await folderEntries(dir, 'app');
    async function* streamed() {
      yield* listed;
    }
    const layout = new OciLayout(await tempDir('tci-layout-'));
    const fromEntries = await writeLayer(
      layout,
      [entrypoint, { kind: 'entries', entries: streamed() }],
      EPOCH,
    );
    assert.equal(fromEntries.descriptor.digest, fromFolder.written.descriptor.digest);
    const file = join(await tempDir('tci-layer-file-'), 'layer.tar');
    const out = writeLayerFile(
      await folderEntries(dir, 'app'),
      EPOCH,
      file,
      new OciLayout(await tempDir('tci-layout-')),
    );
    const tar = await out.file;
    assert.equal(tar.diffId, (await layer(dir)).written.diffId, 'the uncompressed form has the same diff ID');
    assert.equal(sha256Digest(readFileSync(file)), tar.diffId, 'the file is that tar');
    const compressed = await out.compressed;
    assert.equal(compressed.descriptor.digest, (await layer(dir)).written.descriptor.digest);
  });
  it('compresses a small layer only once compressAfter settles, a bigger one at once', async () => {
    const file = (size: number) => ({
      path: 'app/data.bin',
      type: 'file' as const,
      executable: false,
      size,
      content: async () => Buffer.alloc(size, 7),
    });
    const layout = new OciLayout(await tempDir('tci-layout-'));
    let release!: () => void;
    const after = new Promise<void>((r) => (release = r));
    const small = writeLayerFile([file(1000)], EPOCH, join(await tempDir('tci-lf-'), 'l.tar'), layout, after);
    let compressed = false;
    void small.compressed.then(() => (compressed = true));
    await small.file;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(compressed, false, 'the small layer waits');
    release();
    const done = await small.compressed;
    assert.ok(await layout.hasBlob(done.descriptor.digest));
    // Over one deflate chunk it does not wait (it would otherwise sit in memory, or, past the
    // lag the tar allows, stop the tar itself).
    const never = new Promise<void>(() => undefined);
    const big = writeLayerFile(
      [file(3 << 20)],
      EPOCH,
      join(await tempDir('tci-lf-'), 'l.tar'),
      layout,
      never,
    );
    const bigDone = await big.compressed;
    assert.equal((await big.file).diffId, bigDone.diffId);
  });
  it('fails the layer, not the process, when a file gives fewer bytes than its size', async () => {
    const layout = new OciLayout(await tempDir('tci-layer-layout-'));
    const short: LayerSource = {
      kind: 'entries',
      entries: [
        {
          path: 'app/big.bin',
          type: 'file',
          executable: false,
          size: 9 << 20,
          content: async () => Readable.from([Buffer.alloc(1 << 20)]),
        },
      ],
    };
    await assert.rejects(writeLayer(layout, [short], EPOCH), /Size mismatch/);
  });
});
