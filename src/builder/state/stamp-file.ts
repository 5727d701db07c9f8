import { readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/atomic-fs.js';

/**
 * Done-markers: small JSON records such as "this step's output exists for this build key" or
 * "the inputs of this service's last build". Written atomically, only after the work they
 * describe is complete, and removed before destructive work starts, so a kill at any moment
 * never leaves a record of something that is not there.
 */
export async function readStamp<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    // Only writeStamp writes these; unreadable content means "not done", never "done".
    return undefined;
  }
}

export async function writeStamp(file: string, data: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n');
}

export async function removeStamp(file: string): Promise<void> {
  await rm(file, { force: true });
}
