import { readFile, stat } from 'node:fs/promises';
import type { Problem } from '../core/problem.js';

/** Input files are hand-written or generated configuration; anything bigger is a mistake or an attack. */
export const MAX_INPUT_BYTES = 10 * 1024 * 1024;

/**
 * Reads a UTF-8 input file (spec, config, infra info). `file` is the name shown to the user.
 * Returns a Problem instead of throwing for a missing, unreadable, oversized or non-regular file.
 */
export async function readInputFile(
  path: string,
  file: string,
): Promise<{ text: string } | { problem: Problem }> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) return { problem: { file, message: 'is not a regular file' } };
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: { file, message: 'file not found' } };
    return { problem: { file, message: `cannot read file (${code ?? 'unknown error'})` } };
  }
  if (size > MAX_INPUT_BYTES) {
    return {
      problem: { file, message: `file is too large (${size} bytes; the limit is ${MAX_INPUT_BYTES})` },
    };
  }
  try {
    const text = await readFile(path, 'utf8');
    // A byte-order mark is invisible in editors and not part of the content.
    return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: { file, message: `cannot read file (${code ?? 'unknown error'})` } };
  }
}
