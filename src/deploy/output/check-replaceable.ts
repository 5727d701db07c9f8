import { readdir } from 'node:fs/promises';
import { pathError } from '../../core/system-error-text.js';
import { UserError } from '../../core/user-error.js';

/**
 * The output directory is replaced as a whole, so a mistyped path (a home directory, a source
 * tree) would be deleted. Replace only a directory that looks like an earlier output: nothing
 * in it but `.json` files.
 */
export async function checkReplaceable(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new UserError({ file: dir, message: 'is a file, not a directory' });
    throw pathError(dir, 'cannot read the output directory', e);
  }
  const foreign = entries.find((e) => !e.isFile() || !e.name.endsWith('.json'));
  if (foreign !== undefined) {
    throw new UserError({
      file: dir,
      message: `refusing to replace this directory: it holds ${JSON.stringify(foreign.name)}, which deploy did not write`,
      hint: 'the output directory is replaced as a whole; name a new directory or one written by deploy',
    });
  }
}
