import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { cachedRootfs } from '../../../../../src/builder/containers/runc/rootfs-cache.js';
import { imageFromLayers, tarLayer, type LayerEntry } from '../../../../helpers/image-source.js';
import { tempDir } from '../../../../helpers/temp-dir.js';

const live = { signal: new AbortController().signal, say: () => undefined };

async function unpack(layers: LayerEntry[][], stateDir?: string): Promise<string> {
  const image = imageFromLayers(await Promise.all(layers.map(tarLayer)));
  return await cachedRootfs(image, stateDir ?? (await tempDir()), live);
}

/** Unpacks and expects a refusal; returns the error message and the state dir. */
async function refused(layers: LayerEntry[][]): Promise<{ message: string; stateDir: string }> {
  const stateDir = await tempDir();
  const err = await unpack(layers, stateDir).then(
    () => assert.fail('the layer was applied'),
    (e: Error) => e,
  );
  // Nothing that looks like (or is) an unpacked image is left behind.
  assert.deepEqual(await readdir(join(stateDir, 'rootfs')), []);
  return { message: err.message, stateDir };
}

test('whiteouts delete lower files and opaque markers hide lower directory contents', async () => {
  const root = await unpack([
    [
      { name: 'a/', type: 'directory' },
      { name: 'a/x', content: 'x' },
      { name: 'a/y', content: 'y' },
      { name: 'b/', type: 'directory' },
      { name: 'b/old', content: 'old' },
      { name: 'b/sub/deep', content: 'deep' },
      { name: 'c', content: 'c' },
      { name: 'd/', type: 'directory' },
      { name: 'd/gone', content: 'gone' },
    ],
    [
      { name: 'a/.wh.x' },
      // Written before the opaque marker in the same layer: kept.
      { name: 'b/new', content: 'new' },
      { name: 'b/.wh..wh..opq' },
      { name: 'b/sub/', type: 'directory' },
      { name: 'b/sub/fresh', content: 'fresh' },
      { name: '.wh.c' },
      { name: '.wh.d' },
    ],
  ]);
  assert.deepEqual((await readdir(join(root, 'a'))).sort(), ['y']);
  assert.deepEqual((await readdir(join(root, 'b'))).sort(), ['new', 'sub']);
  assert.deepEqual(await readdir(join(root, 'b/sub')), ['fresh']);
  assert.deepEqual((await readdir(root)).sort(), ['a', 'b']);
  assert.equal(await readFile(join(root, 'b/new'), 'utf8'), 'new');
});

test('a whiteout spares what its own layer wrote', async () => {
  const root = await unpack([
    [{ name: 'f', content: 'lower' }],
    [{ name: 'f', content: 'upper' }, { name: '.wh.f' }],
  ]);
  assert.equal(await readFile(join(root, 'f'), 'utf8'), 'upper');
});

test('modes with setuid, owners, symlinks and hard links are kept; devices are skipped', async () => {
  const root = await unpack([
    [
      { name: 'bin/tool', content: '#!/bin/sh\n', mode: 0o4755, uid: 1000, gid: 1001 },
      { name: 'private/', type: 'directory', mode: 0o700, uid: 1000, gid: 1000 },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
      { name: 'bin/alias', type: 'symlink', linkname: 'tool' },
      { name: 'bin/same', type: 'link', linkname: 'bin/tool' },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 },
    ],
    // A later layer replaces a file with a directory and a directory with a file.
    [
      { name: 'private', content: 'now a file' },
      { name: 'bin/tool/', type: 'directory' },
    ],
  ]);
  const same = await stat(join(root, 'bin/same'));
  assert.equal(same.mode & 0o7777, 0o4755);
  assert.equal(same.uid, 1000);
  assert.equal(same.gid, 1001);
  assert.equal(same.nlink, 1, 'the replaced tool no longer shares its inode');
  assert.equal(await readlink(join(root, 'bin/alias')), 'tool');
  assert.equal((await stat(join(root, 'tmp'))).mode & 0o7777, 0o1777);
  assert.ok((await stat(join(root, 'bin/tool'))).isDirectory());
  assert.equal(await readFile(join(root, 'private'), 'utf8'), 'now a file');
  await assert.rejects(lstat(join(root, 'dev/null')), { code: 'ENOENT' });
  // Only root may reach the image's setuid files.
  assert.equal((await stat(join(root, '..'))).mode & 0o777, 0o700);
});

test('hard links share the inode of their target', async () => {
  const root = await unpack([
    [
      { name: 'lib/a.so', content: 'so', mode: 0o755 },
      { name: 'lib/b.so', type: 'link', linkname: './lib/a.so' },
    ],
  ]);
  const [a, b] = await Promise.all([stat(join(root, 'lib/a.so')), stat(join(root, 'lib/b.so'))]);
  assert.equal(a.ino, b.ino);
});

test('entries reached through a symlink inside the image land inside the root filesystem', async () => {
  const outside = await tempDir('tci-outside-');
  const root = await unpack([
    [
      { name: 'usr/lib/', type: 'directory' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'abs', type: 'symlink', linkname: outside },
    ],
    [
      { name: 'lib/libc.so', content: 'libc' },
      // An absolute target means the image's own path, as in the container.
      { name: 'abs/pwned', content: 'pwned' },
    ],
  ]);
  assert.equal(await readFile(join(root, 'usr/lib/libc.so'), 'utf8'), 'libc');
  assert.equal(await readFile(join(root, outside, 'pwned'), 'utf8'), 'pwned');
  assert.deepEqual(await readdir(outside), []);
});

test('hostile entries are refused and nothing is written outside the root filesystem', async (t) => {
  const outside = await tempDir('tci-outside-');
  const climb = `../../../../../../../../..${outside}`;
  const cases: Array<[string, LayerEntry[][], RegExp]> = [
    [
      'a ../ entry',
      [[{ name: `../../../../../../../..${outside}/pwned`, content: 'x' }]],
      /climbs out with "\.\."/,
    ],
    ['an absolute entry', [[{ name: `${outside}/pwned`, content: 'x' }]], /is an absolute path/],
    [
      'a file written through a symlink made by a lower layer',
      [[{ name: 'esc', type: 'symlink', linkname: climb }], [{ name: 'esc/pwned', content: 'x' }]],
      /"esc\/pwned" leads outside the root filesystem through a symbolic link/,
    ],
    [
      'a file written through a symlink made earlier in the same layer',
      [
        [
          { name: 'd/', type: 'directory' },
          { name: 'd/esc', type: 'symlink', linkname: `../${climb}` },
          { name: 'd/esc/sub/pwned', content: 'x' },
        ],
      ],
      /leads outside the root filesystem/,
    ],
    [
      'a hard link to ../',
      [[{ name: 'passwd', type: 'link', linkname: '../../../../../../etc/passwd' }]],
      /climbs out/,
    ],
    [
      'a hard link to an absolute path',
      [[{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }]],
      /absolute/,
    ],
    [
      'a hard link through an escaping symlink',
      [
        [
          { name: 'esc', type: 'symlink', linkname: '../../../../../../../../../etc' },
          { name: 'pw', type: 'link', linkname: 'esc/passwd' },
        ],
      ],
      /leads outside the root filesystem/,
    ],
  ];
  for (const [what, layers, message] of cases) {
    await t.test(what, async () => {
      const { message: got } = await refused(layers);
      assert.match(got, message);
      assert.match(got, /^layer \d \(sha256:[0-9a-f]{64}\): /);
      assert.deepEqual(await readdir(outside), []);
    });
  }
});

test('a layer whose bytes differ from the config diff_id is refused', async () => {
  const stateDir = await tempDir();
  const image = imageFromLayers([await tarLayer([{ name: 'f', content: 'real' }])]);
  image.config.rootfs.diff_ids = [`sha256:${'0'.repeat(64)}`] as typeof image.config.rootfs.diff_ids;
  await assert.rejects(
    cachedRootfs(image, stateDir, live),
    /its content is sha256:[0-9a-f]{64}, but the image config says sha256:0{64}/,
  );
  assert.deepEqual(await readdir(join(stateDir, 'rootfs')), []);
});

test('plain tar layers are read, and zstd ones refused by name', async () => {
  const layer = await tarLayer([{ name: 'plain', content: 'p' }]);
  const root = await cachedRootfs(imageFromLayers([layer], { gzip: false }), await tempDir(), live);
  assert.equal(await readFile(join(root, 'plain'), 'utf8'), 'p');
  const zstd = imageFromLayers([layer]);
  (zstd.layers[0] as { mediaType: string }).mediaType = 'application/vnd.oci.image.layer.v1.tar+zstd';
  await assert.rejects(
    cachedRootfs(zstd, await tempDir(), live),
    /unsupported layer media type "application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd"/,
  );
});

test('the second unpack of an image reuses the first, without reading a layer', async () => {
  const stateDir = await tempDir();
  const image = imageFromLayers([await tarLayer([{ name: 'f', content: 'x' }])]);
  const said: string[] = [];
  const first = await cachedRootfs(image, stateDir, { ...live, say: (l) => said.push(l) });
  assert.equal(image.opened, 1);
  const second = await cachedRootfs(image, stateDir, { ...live, say: (l) => said.push(l) });
  assert.equal(second, first);
  assert.equal(image.opened, 1);
  assert.match(said.at(-1) ?? '', /^using the unpacked root filesystem of test-image/);
});

test('two runs unpacking the same image at once both get a complete root filesystem', async () => {
  const stateDir = await tempDir();
  const image = imageFromLayers([
    await tarLayer([
      { name: 'f', content: 'x' },
      { name: 'g', content: 'y' },
    ]),
  ]);
  const [a, b] = await Promise.all([
    cachedRootfs(image, stateDir, live),
    cachedRootfs(image, stateDir, live),
  ]);
  assert.equal(a, b);
  assert.deepEqual((await readdir(a)).sort(), ['f', 'g']);
  assert.deepEqual((await readdir(join(stateDir, 'rootfs'))).length, 1);
});

test('an interrupted unpack leaves no cache entry, and a killed one is not used and is removed', async () => {
  const stateDir = await tempDir();
  const tarBytes = await tarLayer([
    { name: 'big', content: 'z'.repeat(100_000) },
    { name: 'after', content: 'a' },
  ]);
  const image = imageFromLayers([tarBytes]);
  const blob = gzipSync(tarBytes);
  const ac = new AbortController();
  // The layer arrives half, then stalls until the abort.
  (image.layers[0] as { open: () => Promise<NodeJS.ReadableStream> }).open = () => {
    const s = new PassThrough();
    s.write(blob.subarray(0, blob.length / 2));
    setTimeout(() => ac.abort(), 50);
    return Promise.resolve(s);
  };
  await assert.rejects(cachedRootfs(image, stateDir, { ...live, signal: ac.signal }));
  assert.deepEqual(await readdir(join(stateDir, 'rootfs')), []);

  // A build killed mid-unpack leaves its temporary folder; its process is gone.
  const dead = spawnSync('true').pid;
  const leftover = join(stateDir, 'rootfs', `.tmp-${dead}-0badc0de`);
  await mkdir(leftover);
  await writeFile(join(leftover, 'partial'), '');
  const fresh = imageFromLayers([tarBytes]);
  const root = await cachedRootfs(fresh, stateDir, live);
  assert.equal(fresh.opened, 1);
  assert.deepEqual((await readdir(root)).sort(), ['after', 'big']);
  assert.deepEqual(await readdir(join(stateDir, 'rootfs')), [root.split('/').at(-1)]);
});
