import { chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageSource } from '../../../inputs/oci-types.js';
import { ownedName, ownerAlive, ownerOf } from '../../../core/owned-name.js';
import { privateFolder } from './private-folder.js';
import { SetupError } from './setup-error.js';
import { unpackLayer } from './unpack-layer.js';

const TEMP = '.tmp';

export interface RootfsCacheOptions {
  signal: AbortSignal;
  /** Progress lines for the step's log ("unpacking layer 2/5 …", "cached …"). */
  say(line: string): void;
}

/**
 * The image's root filesystem, unpacked once under `<stateDir>/rootfs/<config digest>` and
 * reused by every later run. It is built in a temporary folder named after this process and
 * renamed into place when complete, so a killed extraction never leaves an entry that looks
 * complete, and two runs unpacking the same image at once each rename a full copy (the second
 * finds the first's and drops its own). Temporary folders of processes that no longer exist
 * are removed here. Runs never write to the result: they mount an overlay over it.
 */
export async function cachedRootfs(
  image: ImageSource,
  stateDir: string,
  opts: RootfsCacheOptions,
): Promise<string> {
  const key = cacheKey(image.configDigest);
  const dir = join(stateDir, 'rootfs');
  const final = join(dir, key);
  if (await isDirectory(final)) {
    opts.say(`using the unpacked root filesystem of ${image.display} (${final})`);
    return final;
  }
  await privateFolder(dir);
  await removeAbandoned(dir);
  const diffIds = image.config.rootfs.diff_ids;
  if (diffIds.length !== image.layers.length) {
    throw new SetupError(
      `the image config names ${diffIds.length} layers, the manifest ${image.layers.length}`,
    );
  }
  const tmp = join(dir, ownedName(TEMP));
  await mkdir(tmp);
  await chmod(tmp, 0o755);
  try {
    for (const [i, layer] of image.layers.entries()) {
      opts.say(
        `unpacking layer ${i + 1}/${image.layers.length} of ${image.display}: ${layer.digest} (${layer.size} bytes)`,
      );
      await unpackLayer(tmp, layer, diffIds[i] as string, opts.signal).catch((e: unknown) => {
        throw new LayerError(i, layer.digest, e);
      });
    }
    await rename(tmp, final).catch((e: NodeJS.ErrnoException) => {
      // Another run of the same image got there first: its copy is as good as ours.
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return final;
}

/** A layer could not be applied; `cause` says why (a LayerRefusedError, I/O, abort). */
export class LayerError extends SetupError {
  constructor(
    readonly index: number,
    readonly digest: string,
    cause: unknown,
  ) {
    super(`layer ${index + 1} (${digest}): ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'LayerError';
  }
}

/** The folder name for a config digest; anything but `algorithm:hex` is refused, not joined. */
function cacheKey(digest: string): string {
  const m = /^([a-z0-9]+):([a-f0-9]{32,128})$/.exec(digest);
  if (!m) throw new SetupError(`invalid config digest "${digest}"`);
  return `${m[1]}-${m[2]}`;
}

async function removeAbandoned(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const owner = ownerOf(TEMP, name);
    if (owner !== undefined && !ownerAlive(owner))
      await rm(join(dir, name), { recursive: true, force: true });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
