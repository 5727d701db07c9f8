import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveInRoot } from './root-path.js';
import { SetupError } from './setup-error.js';

export interface ContainerUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** For `HOME` when the image sets none. */
  home: string;
}

/**
 * The process user for `spec` (`user`, `uid`, `user:group`, `uid:gid`; empty means root), read
 * from the image's /etc/passwd and /etc/group the way Docker does: a uid without a group gets
 * the passwd entry's group (0 when there is none), and the user's groups in /etc/group become
 * supplementary groups. Names must exist in the image. The files are found inside the root
 * filesystem (their symbolic links followed within it), never on the host.
 */
export async function containerUser(rootfs: string, spec: string | undefined): Promise<ContainerUser> {
  const [userPart = '', groupPart] = (spec ?? '').split(':', 2);
  const passwd = await readImageFile(rootfs, 'etc/passwd');
  const user = userPart === '' ? '0' : userPart;
  const numeric = /^\d+$/.test(user);
  const entry = passwd.find((f) => (numeric ? f[2] === user : f[0] === user));
  if (entry === undefined && !numeric) {
    throw new SetupError(`unable to find user ${user}: no matching entries in the image's /etc/passwd`);
  }
  const uid = numeric ? Number(user) : Number(entry?.[2]);
  let gid = entry !== undefined ? Number(entry[3]) : 0;
  const groups = await readImageFile(rootfs, 'etc/group');
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const group = groups.find((g) => g[0] === groupPart);
      if (group === undefined) {
        throw new SetupError(
          `unable to find group ${groupPart}: no matching entries in the image's /etc/group`,
        );
      }
      gid = Number(group[2]);
    }
  }
  const name = entry?.[0];
  const additionalGids = groups
    .filter((g) => name !== undefined && (g[3] ?? '').split(',').includes(name))
    .map((g) => Number(g[2]))
    .filter((g) => Number.isInteger(g) && g !== gid);
  return { uid, gid, additionalGids, home: entry?.[5] || '/' };
}

/** The colon-separated lines of a file in the image; none when it is missing. */
async function readImageFile(rootfs: string, path: string): Promise<string[][]> {
  const parts = await resolveInRoot(rootfs, path.split('/'), `/${path}`);
  const text = await readFile(join(rootfs, ...parts), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'EISDIR') return '';
    throw e;
  });
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}
