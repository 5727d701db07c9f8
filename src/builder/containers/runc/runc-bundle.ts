import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { exec } from '../../../core/exec.js';
import { makeDirectory } from '../../../core/make-directory.js';
import { ownedName, ownerAlive, ownerOf } from '../../../core/owned-name.js';
import { privateFolder } from './private-folder.js';
import { SetupError } from './setup-error.js';

const PREFIX = 'tci';

/** Where runc keeps its container state (`runc --root`): under the state dir, never /run/runc. */
export function runcRoot(stateDir: string): string {
  return join(stateDir, 'runc');
}

/**
 * A container's bundle: `<stateDir>/runs/<id>/` with `config.json` and `rootfs`, an overlay
 * whose lower layer is the cached image and whose upper and work folders sit beside it. A run
 * writes anywhere it likes (as in a Docker container: buildpacks write to /tmp, /app, $HOME)
 * and runc creates its mount points, all in the upper folder, which goes when the run ends;
 * the cached image is never written. Returns the container id (also the folder's name).
 */
export async function createBundle(stateDir: string, lower: string, config: object): Promise<string> {
  const id = ownedName(PREFIX);
  await privateFolder(join(stateDir, 'runs'));
  const dir = join(stateDir, 'runs', id);
  makeDirectory(join(dir, 'upper'));
  await mkdir(join(dir, 'work'));
  await mkdir(join(dir, 'rootfs'));
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  // Relative paths, resolved by the kernel from `cwd`: the state dir's own path may hold the
  // commas and colons that separate overlay options.
  // nosuid, nodev: the host never honours the image's setuid files or device nodes here (in the
  // container, noNewPrivileges already makes setuid bits inert).
  const options = `nosuid,nodev,lowerdir=${relative(dir, lower)},upperdir=upper,workdir=work`;
  const mounted = await exec('mount', ['-t', 'overlay', 'overlay', '-o', options, 'rootfs'], { cwd: dir });
  if (mounted.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new SetupError(`cannot mount the overlay root filesystem: ${mounted.stderr.trim()}`);
  }
  return id;
}

/**
 * Deletes the container (killing it if it still runs), unmounts its overlay and removes its
 * folder. Safe to call for a container that was never started or is already gone. When the
 * overlay cannot be unmounted the folder is left, never emptied through the mount.
 */
export async function removeBundle(stateDir: string, runc: string, id: string): Promise<void> {
  await deleteContainer(stateDir, runc, id);
  const dir = join(stateDir, 'runs', id);
  const rootfs = join(dir, 'rootfs');
  if (await isMountPoint(rootfs, dir)) {
    await exec('umount', [rootfs]);
    if (await isMountPoint(rootfs, dir)) return;
  }
  await rm(dir, { recursive: true, force: true });
}

/** `runc delete --force`: kills and deletes; a container that does not exist is no error. */
export async function deleteContainer(stateDir: string, runc: string, id: string): Promise<void> {
  await exec(runc, ['--root', runcRoot(stateDir), 'delete', '--force', id]);
}

/**
 * Removes the containers and bundles of builds that were killed (their process is gone), so a
 * stale container never outlives the next run. Those of live processes are left alone: they
 * may be steps running beside this one.
 */
export async function removeAbandonedBundles(stateDir: string, runc: string): Promise<void> {
  const ids = new Set([
    ...(await readdir(join(stateDir, 'runs')).catch(() => [] as string[])),
    ...(await readdir(runcRoot(stateDir)).catch(() => [] as string[])),
  ]);
  for (const id of ids) {
    const owner = ownerOf(PREFIX, id);
    if (owner !== undefined && !ownerAlive(owner)) await removeBundle(stateDir, runc, id);
  }
}

/** An overlay mounted on `path` has a device of its own, unlike the folder holding it. */
async function isMountPoint(path: string, parent: string): Promise<boolean> {
  const [a, b] = await Promise.all([stat(path).catch(() => undefined), stat(parent).catch(() => undefined)]);
  return a !== undefined && b !== undefined && a.dev !== b.dev;
}
