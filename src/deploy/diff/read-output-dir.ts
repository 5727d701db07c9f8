import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Problem } from '../../core/problem.js';
import { InterruptedError, UserError } from '../../core/user-error.js';
import { isPlainObject } from '../../inputs/is-plain-object.js';
import { readJsonFile } from '../../inputs/json-file.js';
import type { DiffResource } from './diff-resources.js';

const FILES_AT_ONCE = 64;

/**
 * Reads an output directory written by deploy: every `*.json` file is one resource. Anything
 * else in it (another file, a folder) means it is not such a directory. Every problem of every
 * file is reported at once, naming the file and the field.
 */
export async function readOutputDir(dir: string, signal?: AbortSignal): Promise<DiffResource[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError({ file: dir, message: code === 'ENOENT' ? 'not found' : `cannot read (${code})` });
  }
  const foreign = entries.find((e) => !e.isFile() || !e.name.endsWith('.json'));
  if (foreign !== undefined) {
    throw new UserError({
      file: dir,
      message: `holds ${JSON.stringify(foreign.name)}, so it is not an output directory written by deploy`,
      hint: 'an output directory holds only <kind>-<name>.json files',
    });
  }
  const problems: Problem[] = [];
  const resources: DiffResource[] = [];
  const names = entries.map((e) => e.name).sort();
  // A bounded number at a time: thousands of files opened at once would run out of file
  // descriptors, and one at a time leaves the thread pool idle.
  const read: Array<Awaited<ReturnType<typeof readJsonFile>>> = [];
  for (let start = 0; start < names.length; start += FILES_AT_ONCE) {
    if (signal?.aborted === true) throw new InterruptedError('SIGINT');
    const batch = names.slice(start, start + FILES_AT_ONCE);
    read.push(...(await Promise.all(batch.map((name) => readJsonFile(join(dir, name), join(dir, name))))));
  }
  for (const [i, result] of read.entries()) {
    const name = names[i] as string;
    if ('problem' in result) {
      problems.push(result.problem);
      continue;
    }
    const found = resourceProblems(result.value).map((p) => ({ file: join(dir, name), ...p }));
    if (found.length > 0) problems.push(...found);
    else resources.push({ file: name, object: result.value as Record<string, unknown> });
  }
  if (problems.length > 0) throw new UserError(problems);
  return resources;
}

function resourceProblems(value: unknown): Array<Pick<Problem, 'path' | 'message'>> {
  if (!isPlainObject(value)) return [{ message: 'must hold one Kubernetes resource (a JSON object)' }];
  const metadata = value['metadata'];
  const out: Array<Pick<Problem, 'path' | 'message'>> = [];
  for (const [path, v] of [
    ['apiVersion', value['apiVersion']],
    ['kind', value['kind']],
    ['metadata.name', isPlainObject(metadata) ? metadata['name'] : undefined],
  ] as const) {
    if (typeof v !== 'string' || v === '')
      out.push({ path, message: v === undefined ? 'is missing' : 'must be a non-empty string' });
  }
  const ns = isPlainObject(metadata) ? metadata['namespace'] : undefined;
  if (ns !== undefined && typeof ns !== 'string')
    out.push({ path: 'metadata.namespace', message: 'must be a string' });
  return out;
}
