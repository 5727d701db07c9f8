import type { Problem } from '../core/problem.js';
import { readInputFile } from './input-file.js';

/** Reads a JSON input file; syntax errors become a Problem with the line where JSON.parse stopped. */
export async function readJsonFile(
  path: string,
  file: string,
): Promise<{ value: unknown } | { problem: Problem }> {
  const read = await readInputFile(path, file);
  if ('problem' in read) return read;
  if (read.text.trim() === '') return { problem: { file, message: 'file is empty' } };
  try {
    return { value: JSON.parse(read.text) as unknown };
  } catch (e) {
    if (e instanceof RangeError) return { problem: { file, message: 'nesting is too deep to read' } };
    const message = e instanceof Error ? e.message : String(e);
    const pos = /at position (\d+)/.exec(message);
    const line = pos ? read.text.slice(0, Number(pos[1])).split('\n').length : undefined;
    // V8 quotes the text around the error, which could be a secret: keep only its first clause.
    const what = (message.split(/ in JSON| at position|, "/)[0] ?? message).trim();
    return { problem: { file, ...(line !== undefined && { line }), message: `invalid JSON: ${what}` } };
  }
}
