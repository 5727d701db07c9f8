import { lstat, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempSiblingPath } from '../../core/atomic-fs.js';
import { makeDirectory } from '../../core/make-directory.js';
import { UserError } from '../../core/user-error.js';

/** A host folder copied into a container before it starts. */
export interface CopyIn {
  hostDir: string;
  /** Absolute path in the container, e.g. `/app`. */
  containerPath: string;
  /** Owner of every copied file in the container. */
  uid: number;
  gid: number;
}

/** A container folder copied back to the host after a successful run, replacing `hostDir`. */
export interface CopyOut {
  containerPath: string;
  hostDir: string;
}

/**
 * `hostDir` as a tar to put at `/` of a container: names under `containerPath`, owned by
 * `uid:gid`, with the modes a layer gets (directories 0755, files 0755 when executable, else
 * 0644), so what a step sees does not depend on the umask its files were written with.
 */
export async function packForContainer(c: CopyIn): Promise<Readable> {
  const { pack } = await import('tar-fs');
  const prefix = c.containerPath.replace(/^\/+/, '').replace(/\/+$/, '');
  // `umask` is a tar-fs option its type definitions leave out.
  return pack(c.hostDir, {
    ...{ umask: 0 },
    map: (header) => {
      header.name = header.name === '.' ? prefix : `${prefix}/${header.name}`;
      header.uid = c.uid;
      header.gid = c.gid;
      if (header.type === 'directory') header.mode = 0o755;
      else if (header.type === 'file') header.mode = (header.mode ?? 0) & 0o111 ? 0o755 : 0o644;
      return header;
    },
  }) as unknown as Readable;
}

/**
 * Extracts the tar of a container folder (as the Engine API's archive endpoint gives it: one
 * top-level entry named after the folder) into `hostDir`, replacing it only once complete.
 * Modes come from the container, with owner read/write added so the tool can read them back.
 */
export async function extractFromContainer(archive: Readable, c: CopyOut, label: string): Promise<void> {
  const { extract } = await import('tar-fs');
  makeDirectory(dirname(c.hostDir));
  const tmp = tempSiblingPath(c.hostDir);
  try {
    try {
      await pipeline(
        archive,
        extract(tmp, { ...{ umask: 0 }, dmode: 0o700, fmode: 0o600 }) as unknown as NodeJS.WritableStream,
      );
    } catch (e) {
      // tar-fs refuses entries that would land outside the folder (links leading out of it).
      throw new UserError(
        { message: `${label}: cannot copy ${c.containerPath} out of the container: ${(e as Error).message}` },
        { cause: e },
      );
    }
    const extracted = join(tmp, basename(c.containerPath));
    // A step that replaced the folder by a symbolic link (to `/etc`, say) must not make the
    // tool read, and put into an image, whatever the link names on this machine.
    if (!(await lstat(extracted).catch(() => undefined))?.isDirectory()) {
      throw new UserError({ message: `${label}: ${c.containerPath} is no longer a folder after the step` });
    }
    await rm(c.hostDir, { recursive: true, force: true });
    await rename(extracted, c.hostDir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
