import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { makeDirectory } from './make-directory.js';
import { ownedName, ownerAlive, ownerOf } from './owned-name.js';

const tempPrefix = (target: string) => `.${basename(target)}.tmp`;

/** A unique sibling name for `target`, so a rename onto `target` stays on one file system. */
export function tempSiblingPath(target: string): string {
  return join(dirname(target), ownedName(tempPrefix(target)));
}

/** Removes the temporary siblings of `file` left by processes that were killed while writing it. */
async function removeDeadTemps(file: string): Promise<void> {
  const prefix = tempPrefix(file);
  for (const name of await readdir(dirname(file))) {
    const pid = ownerOf(prefix, name);
    if (pid !== undefined && !ownerAlive(pid)) await rm(join(dirname(file), name), { force: true });
  }
}

/**
 * Writes `data` to `file` so that readers see either the old content or the new, never a part:
 * write a temporary sibling, fsync it, rename it over the target. Siblings a killed writer left
 * behind are removed first.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  makeDirectory(dirname(file));
  await removeDeadTemps(file);
  const tmp = tempSiblingPath(file);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Replaces directory `target` by a directory that `fill` populates: fill a temporary sibling,
 * then swap it in. On any failure `target` is left exactly as it was. The swap is two renames
 * (old aside, new in); a kill between them leaves the old directory beside the target under a
 * `.old` name, from which `recoverDir` restores it on the next run.
 */
export async function replaceDirAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  makeDirectory(dirname(target));
  await recoverDir(target);
  const tmp = tempSiblingPath(target);
  await mkdir(tmp);
  try {
    await fill(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = oldPath(target);
  const hadOld = await exists(target);
  if (hadOld) await rename(target, old);
  try {
    await rename(tmp, target);
  } catch (e) {
    if (hadOld) await rename(old, target);
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}

function oldPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.old`);
}

/** Finishes or undoes a directory swap that a kill interrupted. */
export async function recoverDir(target: string): Promise<void> {
  const old = oldPath(target);
  if (!(await exists(old))) return;
  if (await exists(target)) await rm(old, { recursive: true, force: true });
  else await rename(old, target);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
