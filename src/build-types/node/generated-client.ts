import type { LayerEntry } from '../../inputs/oci-types.js';
import { shQuote } from '../../core/sh-quote.js';
import { compareUtf8 } from '../../core/compare-utf8.js';

/**
 * Prisma generates its client into `node_modules/.prisma` (`prisma generate` in a build script,
 * or `@prisma/client`'s own install script when the `prisma` CLI, a dev dependency, is there),
 * and the build step's `node_modules` never reaches the image: the production install, without
 * the CLI, has no client or a stub, and the app stopped at start (`Cannot find module
 * '.prisma/client/default'`, or Prisma 5's `did not initialize yet`). So the build step copies
 * each `.prisma` it made into `/app` under this folder, whose name has no `node_modules` in it
 * (the container's `tar` leaves those out), and the app layer gets it back at its place.
 */
const STAGE = 'app/.taskcluster-installer-prisma';

/** The shell command, run after the build script, that copies each folder's `node_modules/.prisma` (container paths). */
export function stageGeneratedClients(folders: readonly string[]): string {
  const copies = folders.map((folder, i) => {
    const from = shQuote(`${folder}/node_modules/.prisma`);
    return `if [ -d ${from} ]; then mkdir -p /${STAGE} && cp -a ${from} /${STAGE}/${i}; fi`;
  });
  return `{ ${copies.join('; ')}; }`;
}

/** Whether a path of the build step's output is one the command staged (the step's `exclude` keeps it). */
export function isStagedClient(path: string): boolean {
  return path === STAGE || path.startsWith(`${STAGE}/`);
}

/**
 * The build step's entries with the staged clients at their places (`folders` as given to
 * `stageGeneratedClients`), sorted in byte order of their paths, as layer entries are. Each `.prisma` folder is marked opaque (`.wh..wh..opq`), so
 * what the dependency layer has there (Prisma 5's stub) is hidden, not mixed with the client.
 */
export function placeGeneratedClients(
  entries: readonly LayerEntry[],
  folders: readonly string[],
): LayerEntry[] {
  const placed: LayerEntry[] = [];
  for (const e of entries) {
    if (!isStagedClient(e.path)) {
      placed.push(e);
      continue;
    }
    const m = /^[^/]+\/[^/]+\/(\d+)(\/.*)?$/.exec(e.path);
    const folder = m === null ? undefined : folders[Number(m[1])];
    if (m === null || folder === undefined) continue;
    const at = `${folder.replace(/^\/+/, '')}/node_modules/.prisma`;
    placed.push({ ...e, path: `${at}${m[2] ?? ''}` });
    if (m[2] === undefined)
      placed.push(
        { path: at.slice(0, at.lastIndexOf('/')), type: 'directory' },
        {
          path: `${at}/.wh..wh..opq`,
          type: 'file',
          executable: false,
          size: 0,
          content: async () => Buffer.alloc(0),
        },
      );
  }
  return placed.sort((a, b) => compareUtf8(a.path, b.path));
}
