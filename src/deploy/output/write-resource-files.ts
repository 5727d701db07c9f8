import { linkSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { replaceDirAtomic } from '../../core/atomic-fs.js';
import type { Emit } from '../../core/events.js';
import { pathError } from '../../core/system-error-text.js';
import { InterruptedError } from '../../core/user-error.js';
import type { ResourceFile } from '../resources/check-resources.js';

/** What writing needs of a checked resource. */
type OutputFile = Pick<ResourceFile, 'fileName' | 'id' | 'name' | 'object'>;

/**
 * Files written between turns of the event loop, so signal handlers still run while a large
 * directory is written (a few milliseconds' worth), and an interruption stops the writing.
 */
const FILES_PER_TURN = 250;

/**
 * Replaces `dir` with a directory holding one 2-space JSON file per resource. The files are
 * written into a temporary sibling that is swapped in only when complete, so a failure or a
 * kill at any moment leaves the previous directory as it was. The same resources always give
 * the same bytes: key order is the template's, and nothing else (time, paths) is added.
 *
 * A file whose content is unchanged since the previous output is linked, not written again
 * (see `reused`). Written synchronously, one after another: nothing is fsynced, so no call
 * waits for the disk, and handing each open, write and close to libuv's thread pool cost four
 * times the writing itself (5,001 files: 290 ms against 71 ms). Parallel creates in one directory gain nothing
 * either: the file system takes the directory's lock for each.
 *
 * Durability: the swap protects against the process dying (an error, SIGKILL) because the
 * kernel keeps the written pages. It does not promise the new files survive a power cut or an
 * OS crash right after the swap; that would take an fsync of every file and of both
 * directories (seconds for thousands of files), and the directory is reproducible by deploying
 * the same release again, byte for byte.
 */
export async function writeResourceFiles(
  dir: string,
  files: readonly OutputFile[],
  emit: Emit,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await replaceDirAtomic(dir, async (tmp) => {
      const previous = previousFiles(dir);
      for (let start = 0; start < files.length; start += FILES_PER_TURN) {
        if (start > 0) await nextTurn();
        // Interrupted: the temporary directory goes, the previous output stays as it was.
        if (signal?.aborted === true) throw new InterruptedError('SIGINT');
        for (const file of files.slice(start, start + FILES_PER_TURN)) {
          const text = JSON.stringify(file.object, null, 2) + '\n';
          const target = join(tmp, file.fileName);
          if (!previous.has(file.fileName) || !reused(join(dir, file.fileName), text, target))
            writeFileSync(target, text, { flag: 'wx' });
        }
      }
    });
  } catch (e) {
    throw outputDirError(dir, e);
  }
  for (const f of files)
    emit({ kind: 'resource-written', file: join(dir, f.fileName), resourceKind: f.id.kind, name: f.name });
  emit({ kind: 'output-written', dir, files: files.length });
}

/**
 * A system call that failed on the output directory (/proc, /sys, a full disk), naming it: a
 * folder above it that could not be made, or the writing itself (the temporary sibling's name is
 * the tool's business, not the user's).
 */
function outputDirError(dir: string, e: unknown): unknown {
  const at = (e as NodeJS.ErrnoException | null)?.path;
  return at !== undefined && resolve(dir).startsWith(resolve(at) + sep)
    ? pathError(dir, 'cannot make the output directory', e, at)
    : pathError(dir, 'cannot write the output directory', e);
}

/** The names in the output directory as it is now (checkReplaceable made sure they are files). */
function previousFiles(dir: string): Set<string> {
  try {
    return new Set(readdirSync(dir));
  } catch {
    return new Set();
  }
}

/**
 * A file of the previous output with exactly the new content becomes a second name of the
 * same file (a hard link) instead of a new one. Most redeploys change few resources, and on a
 * file system that allocates new inodes slowly (ext4 without a journal skips every inode freed
 * in the last seconds or minutes, see bench/README.md) creating and later deleting thousands
 * of files costs seconds, while linking and unlinking costs milliseconds. The old directory is
 * deleted right after the swap, which then only drops the second names. False when the
 * content differs or linking fails (another owner, another file system): the caller writes.
 */
function reused(previous: string, text: string, target: string): boolean {
  try {
    const old = readFileSync(previous);
    if (old.length !== Buffer.byteLength(text) || old.toString('utf8') !== text) return false;
    linkSync(previous, target);
    return true;
  } catch {
    return false;
  }
}
