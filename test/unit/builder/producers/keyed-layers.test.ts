import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LayerEntry } from '../../../../src/inputs/oci-types.js';
import { OciLayout } from '../../../../src/builder/oci/oci-layout.js';
import { keptKeyedLayers, ServiceKeyedLayers } from '../../../../src/builder/producers/keyed-layers.js';
import { keyedLayersDir } from '../../../../src/builder/state/build-layout.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const KEY = 'a'.repeat(32);

function entries(content: string): LayerEntry[] {
  const bytes = Buffer.from(content);
  return [
    { path: 'app', type: 'directory' },
    { path: 'app/node_modules', type: 'directory' },
    {
      path: 'app/node_modules/x.js',
      type: 'file',
      executable: false,
      size: bytes.length,
      content: async () => bytes,
    },
  ];
}

async function world(noCache = false) {
  const baseDir = await tempDir('tci-keyed-');
  const layout = new OciLayout(join(baseDir, 'images', 'oci'));
  const make = (workDir: string) =>
    new ServiceKeyedLayers({ baseDir, layout, service: 'api', workDir, noCache, onLine: () => undefined });
  await mkdir(join(baseDir, 'work'), { recursive: true });
  return { baseDir, layout, make: () => make(join(baseDir, 'work')) };
}

describe('keyed layers', () => {
  it('are made once, then reused with their notes without running `make`', async () => {
    const w = await world();
    let made = 0;
    const make = async () => {
      made++;
      return { entries: entries('one'), notes: { installScripts: ['a@1.0.0'] } };
    };
    const first = w.make();
    const handle = await first.layer(KEY, make);
    assert.equal(handle.reused, false);
    const placed = first.placement(handle);
    assert.ok(placed.loadFile.endsWith(`layer-${KEY}.tar`), 'a daemon loads the uncompressed tar meanwhile');
    const descriptor = await placed.descriptor;
    await first.settle();
    const record = JSON.parse(readFileSync(join(keyedLayersDir(w.baseDir), `${KEY}.json`), 'utf8')) as {
      descriptor: { digest: string };
    };
    assert.equal(record.descriptor.digest, descriptor.digest, 'recorded once the blob is in the layout');
    const again = await w.make().layer(KEY, make);
    assert.deepEqual([again.reused, again.notes, made], [true, { installScripts: ['a@1.0.0'] }, 1]);
  });

  it('are made again under --no-cache, and when the blob is gone', async () => {
    const w = await world();
    let made = 0;
    const make = async () => {
      made++;
      return { entries: entries('two'), notes: {} };
    };
    const first = w.make();
    const d = await first.placement(await first.layer(KEY, make)).descriptor;
    await first.settle();
    const noCache = new ServiceKeyedLayers({
      baseDir: w.baseDir,
      layout: w.layout,
      service: 'api',
      workDir: join(w.baseDir, 'work'),
      noCache: true,
      onLine: () => undefined,
    });
    assert.equal((await noCache.layer(KEY, make)).reused, false);
    await noCache.settle();
    rmSync(w.layout.blobPath(d.digest));
    assert.equal((await w.make().layer(KEY, make)).reused, false);
    assert.equal(made, 3);
  });

  it("are kept while an image uses them or they are among their service's two latest", async () => {
    const baseDir = await tempDir('tci-keyed-gc-');
    const dir = keyedLayersDir(baseDir);
    await mkdir(dir, { recursive: true });
    const record = (key: string, service: string, usedAt: number) =>
      writeFileSync(
        join(dir, `${key}.json`),
        JSON.stringify({
          key,
          service,
          usedAt,
          notes: {},
          diffId: 'x',
          descriptor: { digest: `sha256:${key}` },
        }),
      );
    record('a1', 'api', 1);
    record('a2', 'api', 2);
    record('a3', 'api', 3);
    record('w1', 'worker', 1);
    writeFileSync(join(dir, 'half-written.json'), '{');
    const kept = await keptKeyedLayers(baseDir, new Set(['sha256:a1']));
    assert.deepEqual(kept.sort(), ['sha256:a1', 'sha256:a2', 'sha256:a3', 'sha256:w1']);
    record('a4', 'api', 4);
    const later = await keptKeyedLayers(baseDir, new Set());
    assert.deepEqual(later.sort(), ['sha256:a3', 'sha256:a4', 'sha256:w1']);
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['a3.json', 'a4.json', 'w1.json'],
      'the others go with their records',
    );
    assert.equal(existsSync(join(dir, 'half-written.json')), false);
  });
});
