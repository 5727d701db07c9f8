import {
  chmod,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Header } from 'tar-stream';
import { entryComponents, LayerRefusedError, resolveInRoot } from './root-path.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Applies one layer (an uncompressed tar stream) onto `root` with OCI image-spec semantics:
 * entries replace what lower layers left (a directory over a directory only updates its
 * metadata), `.wh.<name>` deletes `<name>` from lower layers, `.wh..wh..opq` hides everything
 * lower layers put in its directory. Modes (with setuid/setgid/sticky), owners and mtimes are
 * kept: the caller runs as root. Device nodes and FIFOs are skipped (the container's /dev is
 * runc's own tmpfs) and so are extended attributes such as file capabilities (Node cannot set
 * them). Every write goes through `resolveInRoot`, so no entry reaches outside `root`.
 *
 * The parsing is tar-stream's; the layer semantics and path checks are hand-written because
 * no maintained Node library applies OCI layers.
 */
export async function applyLayer(root: string, tar: AsyncIterable<TarEntry>): Promise<void> {
  const layer = new LayerWriter(root);
  for await (const entry of tar) {
    await layer.apply(entry.header, entry);
    // An entry the writer did not read (a directory, link or skipped device) must be drained
    // for the parser to reach the next header.
    entry.resume();
  }
  await layer.finish();
}

/** What tar-stream's extract yields: the header and the entry's bytes. */
export interface TarEntry extends AsyncIterable<unknown> {
  header: Header;
  resume(): unknown;
}

class LayerWriter {
  /** Resolved paths this layer wrote, and their ancestors: whiteouts in it spare them. */
  private readonly touched = new Set<string>();
  /** Directory mtimes are set last: writing their children changes them. */
  private readonly dirTimes: Array<[string, Date]> = [];

  constructor(private readonly root: string) {}

  async apply(header: Header, body: AsyncIterable<unknown>): Promise<void> {
    const parts = entryComponents(header.name);
    const base = parts.pop();
    if (base === undefined) {
      // The root directory itself (`./`): only its metadata.
      if (header.type === 'directory') await this.setMeta(this.root, header, false);
      return;
    }
    const isWhiteout = base.startsWith(WHITEOUT);
    const parent = await resolveInRoot(this.root, parts, header.name, !isWhiteout);
    if (isWhiteout) return await this.whiteout(parent, base);
    const rel = [...parent, base].join('/');
    const host = join(this.root, rel);
    this.touch(rel);
    const existing = await lstat(host).catch(() => undefined);
    if (existing !== undefined && !(existing.isDirectory() && header.type === 'directory')) {
      await rm(host, { recursive: true, force: true });
    }
    switch (header.type) {
      case 'directory':
        if (existing === undefined || !existing.isDirectory()) await mkdir(host);
        await this.setMeta(host, header, false);
        this.dirTimes.push([host, header.mtime ?? new Date(0)]);
        return;
      case 'file':
      case 'contiguous-file':
        await writeNewFile(host, body);
        return await this.setMeta(host, header, true);
      case 'symlink':
        await symlink(header.linkname ?? '', host);
        await lchown(host, header.uid ?? 0, header.gid ?? 0);
        if (header.mtime) await lutimes(host, header.mtime, header.mtime);
        return;
      case 'link':
        return await link(await this.linkTarget(header), host);
      default:
        // character-device, block-device, fifo: see the function comment.
        this.touched.delete(rel);
        return;
    }
  }

  async finish(): Promise<void> {
    for (const [host, mtime] of this.dirTimes.reverse()) await utimes(host, mtime, mtime);
  }

  /** Owner first: chown clears the setuid and setgid bits that chmod then sets. */
  private async setMeta(host: string, header: Header, times: boolean): Promise<void> {
    await lchown(host, header.uid ?? 0, header.gid ?? 0);
    await chmod(host, (header.mode ?? 0o644) & 0o7777);
    if (times && header.mtime) await utimes(host, header.mtime, header.mtime);
  }

  /** A hard link's target: an existing non-directory inside the root, the link itself not followed. */
  private async linkTarget(header: Header): Promise<string> {
    const name = header.linkname ?? '';
    const parts = entryComponents(name);
    const base = parts.pop();
    if (base === undefined) throw new LayerRefusedError(`hard link "${header.name}" has no target`);
    const parent = await resolveInRoot(this.root, parts, name);
    const target = join(this.root, ...parent, base);
    const st = await lstat(target).catch(() => undefined);
    if (st === undefined || st.isDirectory()) {
      throw new LayerRefusedError(
        `hard link "${header.name}" points to "${name}", which is not a file in the image`,
      );
    }
    return target;
  }

  private async whiteout(parent: string[], base: string): Promise<void> {
    const dir = parent.join('/');
    if (base === OPAQUE) return await this.hideLower(dir);
    const rel = [...parent, base.slice(WHITEOUT.length)].join('/');
    if (!this.touched.has(rel)) await rm(join(this.root, rel), { recursive: true, force: true });
  }

  /** Removes what lower layers put in `dir`, keeping what this layer wrote there. */
  private async hideLower(dir: string): Promise<void> {
    const host = join(this.root, dir);
    const names = await readdir(host).catch(() => [] as string[]);
    for (const name of names) {
      const rel = dir === '' ? name : `${dir}/${name}`;
      if (!this.touched.has(rel)) await rm(join(this.root, rel), { recursive: true, force: true });
      else if ((await lstat(join(this.root, rel))).isDirectory()) await this.hideLower(rel);
    }
  }

  private touch(rel: string): void {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) this.touched.add(parts.slice(0, i).join('/'));
  }
}

/** `wx`: a fresh file, never opened through whatever stood at this name before. */
async function writeNewFile(host: string, body: AsyncIterable<unknown>): Promise<void> {
  const file = await open(host, 'wx', 0o600);
  try {
    for await (const chunk of body) await file.write(chunk as Uint8Array);
  } finally {
    await file.close();
  }
}
