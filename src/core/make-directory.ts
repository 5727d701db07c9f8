import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Makes `dir` and whatever parents it lacks, as `mkdir -p` does, and returns the first
 * directory it made (undefined when `dir` was already there), as `mkdir(dir, {recursive})` does.
 * `mode` applies to every directory made (before the umask).
 *
 * Why not Node's `{recursive: true}`: when mkdir answers ENOENT it makes the parent and tries
 * again, for as long as the answer is ENOENT. Under `/proc` the answer is ENOENT although the
 * parent exists, and Node 20 then loops forever at full CPU: `mkdirSync` inside the main
 * thread, so no signal handler ever runs, and the promise form never settles, so the command
 * waits forever (`init /proc/x`, `deploy … /proc/x/out`, `--base-dir /proc/x`). mkdirp and
 * make-dir use Node's. Here each directory is tried at most twice, the second time only after
 * its parent was made, and that answer is final.
 *
 * Synchronous: a handful of mkdir calls cost microseconds, less than a trip to the thread pool,
 * and one form serves both the start-up code (code cache) and the commands.
 */
export function makeDirectory(dir: string, mode?: number): string | undefined {
  const first = tryMkdir(dir, mode);
  if (first !== 'no parent') return first === 'made' ? dir : undefined;
  const parent = dirname(dir);
  const made = parent !== dir ? makeDirectory(parent, mode) : undefined;
  const second = tryMkdir(dir, mode);
  // The parent is there now: ENOENT again means this file system refuses the name. Final.
  if (second === 'no parent') mkdirSync(dir, mode);
  return made ?? (second === 'exists' ? undefined : dir);
}

/** 'exists' also when another process made it meanwhile; a file of that name is an error. */
function tryMkdir(dir: string, mode: number | undefined): 'made' | 'exists' | 'no parent' {
  try {
    mkdirSync(dir, mode);
    return 'made';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no parent';
    if (code !== 'EEXIST') throw e;
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true) throw e;
    return 'exists';
  }
}
