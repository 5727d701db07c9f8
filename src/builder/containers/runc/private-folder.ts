import { chmod } from 'node:fs/promises';
import { makeDirectory } from '../../../core/make-directory.js';

/**
 * Unpacked images hold the image's setuid-root files, owned by root as in the image: only root
 * may enter the folders that hold them, or any user of the host could run them.
 */
export async function privateFolder(path: string): Promise<void> {
  makeDirectory(path);
  await chmod(path, 0o700);
}
