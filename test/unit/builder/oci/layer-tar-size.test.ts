import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { layerTarSize } from '../../../../src/builder/oci/layer-tar-size.js';
import { writeLayerFile } from '../../../../src/builder/oci/layer-writer.js';
import { cmp, OciLayout } from '../../../../src/builder/oci/oci-layout.js';
import type { LayerEntry } from '../../../../src/inputs/oci-types.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const file = (path: string, size: number): LayerEntry => ({
  path,
  type: 'file',
  executable: false,
  size,
  content: async () => Buffer.alloc(size, 1),
});

/** Names at each edge of what a ustar header holds, and pax records of every length's digits. */
function edgeEntries(): LayerEntry[] {
  const list: LayerEntry[] = [
    { path: 'app', type: 'directory' },
    { path: 'app/node_modules', type: 'directory' },
    file('app/empty', 0),
    file('app/one', 1),
    file('app/block', 512),
    file('app/block-and-one', 513),
    file(`app/${'n'.repeat(96)}`, 3), // 100 bytes: ustar
    file(`app/${'n'.repeat(97)}`, 3), // 101 bytes, splits at "app/"
    file(`${'x'.repeat(101)}`, 3), // no slash to split at: pax
    file(`${'p/'.repeat(80)}end`, 3), // prefix over 155 bytes: pax
    file(`${'deep/'.repeat(25)}name.txt`, 7),
    file('app/Ünïcode.txt', 3), // not ASCII: pax
    file('app/emoji-😀.txt', 3),
    { path: `app/${'d'.repeat(97)}`, type: 'directory' }, // 101 with its slash
    { path: 'app/link', type: 'symlink', linkname: 'l'.repeat(100) },
    { path: 'app/long-link', type: 'symlink', linkname: 'l'.repeat(101) },
    { path: `app/${'s'.repeat(120)}`, type: 'symlink', linkname: 'ü' },
    file('app/node_modules', 0), // the same path twice in a row is written once
    // Records of 98 + 3 and 398 + 14 bytes: 513, one past a block, only if the first counts
    // the digit its own length gains (98 bytes and 2 digits make 100, which has 3).
    { path: `app/${'q'.repeat(87)}`, type: 'symlink', linkname: 'k'.repeat(398) },
  ];
  // pax records of 8 to 1,003 bytes: each length's digits, and where the count gains one.
  for (let n = 1; n < 1000; n += 7) list.push(file(`app/r/${'r'.repeat(n)}é`, n));
  return list.sort((a, b) => cmp(a.path, b.path));
}

describe('layerTarSize', () => {
  it('is the size of the tar the layer writer makes, whatever the names', async () => {
    const entries = edgeEntries();
    const tarFile = join(await tempDir('tci-tar-size-'), 'layer.tar');
    const layout = new OciLayout(await tempDir('tci-tar-size-layout-'));
    const written = await writeLayerFile(entries, 0, tarFile, layout).file;
    assert.equal(statSync(tarFile).size, written.size);
    assert.equal(layerTarSize(entries), written.size);
  });

  it('is two zero blocks for no entries', () => {
    assert.equal(layerTarSize([]), 1024);
  });
});
