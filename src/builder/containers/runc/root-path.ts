import { chmod, lstat, mkdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SetupError } from './setup-error.js';

/** A layer (or image file) that would reach outside the root filesystem, or is malformed. */
export class LayerRefusedError extends SetupError {
  constructor(message: string) {
    super(message);
    this.name = 'LayerRefusedError';
  }
}

/**
 * The components of a tar entry name (or hard-link target). Absolute names and any `..` are
 * refused: well-formed layers never have them, and a hostile one uses them to write outside
 * the root filesystem.
 */
export function entryComponents(name: string): string[] {
  if (name.startsWith('/')) throw new LayerRefusedError(`entry "${name}" is an absolute path`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new LayerRefusedError(`entry "${name}" climbs out with ".."`);
  return parts;
}

/**
 * Resolves `parts` inside `root` the way the container will see them: every symbolic link met
 * on the way is followed *within* the root (an absolute target starts again at the root, as in
 * a chroot), and a link that climbs above the root is refused. Returns the resolved components,
 * none of which is a symbolic link. Missing components are kept as they are; with `create`,
 * they are made as directories (mode 0755, owned by root), so the result is a real directory.
 *
 * Hand-written because no maintained Node library resolves paths inside a root (Go has
 * securejoin; Docker extracts inside a chroot, which Node cannot enter). The root is a private
 * folder no other process writes to, so a path checked here stays as checked.
 */
export async function resolveInRoot(
  root: string,
  parts: readonly string[],
  name: string,
  create = false,
): Promise<string[]> {
  const resolved: string[] = [];
  const pending = [...parts];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (resolved.length === 0) {
        throw new LayerRefusedError(`"${name}" leads outside the root filesystem through a symbolic link`);
      }
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    const st = await lstat(host).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (st?.isSymbolicLink()) {
      // The kernel's own limit; a loop of links must end with an error, not hang.
      if (++links > 40) throw new LayerRefusedError(`"${name}": too many levels of symbolic links`);
      const target = await readlink(host);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/'));
      continue;
    }
    if (st === undefined && create) {
      await mkdir(host);
      await chmod(host, 0o755);
    } else if (st !== undefined && create && !st.isDirectory()) {
      throw new LayerRefusedError(`"${name}": "${[...resolved, part].join('/')}" is not a directory`);
    }
    resolved.push(part);
  }
  return resolved;
}
