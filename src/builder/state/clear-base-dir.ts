import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** `--no-cache`: everything but the lock goes. */
export async function clearBaseDir(baseDir: string): Promise<void> {
  for (const entry of await readdir(baseDir)) {
    if (entry !== 'build.lock') await rm(join(baseDir, entry), { recursive: true, force: true });
  }
}
