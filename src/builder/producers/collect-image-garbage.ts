import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { localBasesDir } from '../state/build-layout.js';
import type { OciLayout } from '../oci/oci-layout.js';
import { readStamp } from '../state/stamp-file.js';
import { keptKeyedLayers } from './keyed-layers.js';

/**
 * After a build, the image layout keeps what its images need, what the daemon-exported base
 * images that they use need (so the next image on the same base skips the export), and the
 * keyed layers worth keeping (`keptKeyedLayers`); every other blob (older images of a service,
 * a base no longer used, old dependency layers, leftovers of a kill) goes.
 */
export async function collectImageGarbage(baseDir: string, layout: OciLayout): Promise<void> {
  const recordsDir = localBasesDir(baseDir);
  const needed = new Set<string>();
  for (const m of (await layout.readIndex()).manifests) {
    try {
      const manifest = JSON.parse((await layout.readBlob(m.digest)).toString('utf8')) as {
        layers: Array<{ digest: string }>;
      };
      for (const l of manifest.layers) needed.add(l.digest);
    } catch {
      // a manifest that is gone keeps nothing
    }
  }
  const keep: string[] = [];
  for (const name of await readdir(recordsDir).catch(() => [] as string[])) {
    const file = join(recordsDir, name);
    const record = await readStamp<{ configDigest: string; layers: Array<{ digest: string }> }>(file);
    if (record !== undefined && record.layers.every((l) => needed.has(l.digest)))
      keep.push(record.configDigest);
    else await rm(file, { force: true });
  }
  keep.push(...(await keptKeyedLayers(baseDir, needed)));
  await layout.collectGarbage(keep);
}
