import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceDirAtomic } from '../../core/atomic-fs.js';
import type { Emit } from '../../core/events.js';

export interface OutputFile {
  fileName: string;
  kind: string;
  name: string;
  object: Record<string, unknown>;
}

/** Files written at once: enough to keep the disk busy, few enough to stay under fd limits. */
const PARALLEL_WRITES = 32;

/**
 * Replaces `dir` with a directory holding one 2-space JSON file per resource. The files are
 * written into a temporary sibling that is swapped in only when complete, so a failure or a
 * kill at any moment leaves the previous directory as it was. The same resources always give
 * the same bytes: key order is the template's, and nothing else (time, paths) is added.
 */
export async function writeResourceFiles(
  dir: string,
  files: readonly OutputFile[],
  emit: Emit,
): Promise<void> {
  await replaceDirAtomic(dir, async (tmp) => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const file = files[next++] as OutputFile;
        await writeFile(join(tmp, file.fileName), JSON.stringify(file.object, null, 2) + '\n', {
          flag: 'wx',
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_WRITES, files.length) }, worker));
  });
  for (const f of files)
    emit({ kind: 'resource-written', file: join(dir, f.fileName), resourceKind: f.kind, name: f.name });
  emit({ kind: 'output-written', dir, files: files.length });
}
