import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { spoolArchive } from '../../../../src/builder/oci/archive-entries.js';
import { folderEntries } from '../../../../src/builder/oci/layer-entries.js';
import { writeLayer } from '../../../../src/builder/oci/layer-writer.js';
import { OciLayout } from '../../../../src/builder/oci/oci-layout.js';
import type { LayerEntry } from '../../../../src/inputs/oci-types.js';
import { tempDir } from '../../../helpers/temp-dir.js';

/** A node_modules folder as an install leaves it: nested packages, a link, a hard link, big and empty files. */
async function installedTree(): Promise<string> {
  const root = await tempDir('tci-archive-');
  const nm = join(root, 'app', 'node_modules');
  mkdirSync(join(nm, 'a', 'node_modules', 'b'), { recursive: true });
  mkdirSync(join(nm, '.bin'));
  mkdirSync(join(nm, 'skipped', 'deep'), { recursive: true });
  writeFileSync(join(nm, 'a', 'index.js'), 'module.exports = 1;\n');
  writeFileSync(join(nm, 'a', 'node_modules', 'b', 'big.bin'), Buffer.alloc(9 << 20, 7));
  writeFileSync(join(nm, 'a', 'empty'), '');
  writeFileSync(join(nm, 'skipped', 'deep', 'x.js'), 'never\n');
  execFileSync('ln', [join(nm, 'a', 'index.js'), join(nm, 'a', 'hard.js')]);
  symlinkSync('../a/index.js', join(nm, '.bin', 'a'));
  return root;
}

async function layerDigest(entries: readonly LayerEntry[]): Promise<string> {
  const layout = new OciLayout(await tempDir('tci-archive-layout-'));
  return (await writeLayer(layout, [{ kind: 'entries', entries }], 1_600_000_000)).descriptor.digest;
}

describe('spoolArchive', () => {
  it("makes a container folder's archive the same layer as the folder itself, leaving out what is excluded", async () => {
    const root = await installedTree();
    // What `tar -cf - app/node_modules` in the container's `/` writes.
    const tar = execFileSync('tar', ['-c', '-C', root, 'app/node_modules'], { maxBuffer: 64 << 20 });
    const skip = (p: string) => p === 'app/node_modules/skipped';
    const spooled = await spoolArchive(Readable.from([tar]), root, ['app/node_modules'], skip);
    assert.ok(!spooled.entries.some((e) => e.path.startsWith('app/node_modules/skipped')));
    assert.deepEqual(spooled.entries[0], { path: 'app', type: 'directory' }, 'the folder above the root');
    const fromFolder = await folderEntries(join(root, 'app', 'node_modules'), 'app/node_modules', skip);
    assert.equal(await layerDigest(spooled.entries), await layerDigest(fromFolder));
    const hard = spooled.entries.find((e) => e.path === 'app/node_modules/a/hard.js');
    assert.equal(hard?.type, 'file', 'a hard link becomes a copy');
    await spooled.close();
    const [spool = ''] = readdirSync(root).filter((f) => f.startsWith('spool-'));
    assert.equal(
      readFileSync(join(root, spool)).length,
      (9 << 20) + 20,
      'each content once, nothing excluded',
    );
  });

  it('keeps each spool its own file: a second step collecting into the scratch folder leaves the first intact', async () => {
    const root = await installedTree();
    const scratch = await tempDir('tci-archive-scratch-');
    const tar = execFileSync('tar', ['-c', '-C', root, 'app/node_modules'], { maxBuffer: 64 << 20 });
    // Read back from the spool file, not memory, as an install bigger than IN_MEMORY is.
    const first = await spoolArchive(Readable.from([tar]), scratch, ['app/node_modules'], undefined, 0);
    const other = tarStream.pack();
    other.entry({ name: 'app/node_modules/other.js' }, 'x');
    other.finalize();
    const second = await spoolArchive(Readable.from(other), scratch, ['app/node_modules'], undefined, 0);
    const root2 = await installedTree();
    const fromFolder = await folderEntries(join(root2, 'app', 'node_modules'), 'app/node_modules');
    assert.equal(await layerDigest(first.entries), await layerDigest(fromFolder));
    await Promise.all([first.close(), second.close()]);
  });

  it('refuses a name outside the folders asked for: the archive is written by what the step ran', async () => {
    const root = await installedTree();
    for (const name of ['etc/passwd', 'app/node_modules/../../etc/passwd', '/app/node_modules/x']) {
      const pack = tarStream.pack();
      pack.entry({ name: 'app/node_modules/ok.js' }, 'ok');
      pack.entry({ name }, 'bad');
      pack.finalize();
      await assert.rejects(spoolArchive(Readable.from(pack), root, ['app/node_modules']), (e: Error) =>
        e.message.includes(`"${name}" is not in app/node_modules`),
      );
    }
  });
});
