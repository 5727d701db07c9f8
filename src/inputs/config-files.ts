import { isAbsolute, join } from 'node:path';
import { exists } from '../core/atomic-fs.js';
import type { Problem } from '../core/problem.js';
import { setOwn } from '../core/set-own.js';
import { isPlainObject } from './is-plain-object.js';
import { readYamlFile } from './read-yaml-input.js';
import type { LineOf } from './yaml-file.js';
import type { YamlValueCache } from './yaml-value-cache.js';

/** One config file as read: its name as shown to the user, its content and where lines are. */
export interface ConfigFile {
  file: string;
  value: Record<string, unknown>;
  lineOf: LineOf;
  envValues: string[];
}

/**
 * Reads the config files of `--build-config` / `--deploy-config` (docs/spec-and-config.md): the files given,
 * each of which must exist, or else those of `defaultNames` that exist in `cwd`. Each file is a
 * YAML mapping (an empty file counts as an empty mapping) and may use `!env NAME`.
 */
export async function readConfigFiles(
  files: readonly string[] | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
  defaultNames: readonly string[],
  cache?: YamlValueCache,
): Promise<{ files: ConfigFile[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const out: ConfigFile[] = [];
  for (const file of await configFileNames(files, cwd, defaultNames)) {
    const read = await readYamlFile(isAbsolute(file) ? file : join(cwd, file), file, {
      env,
      ...(cache !== undefined ? { cache } : {}),
    });
    problems.push(...read.problems);
    if (read.problems.length > 0) continue;
    if (read.empty) out.push({ file, value: {}, lineOf: () => undefined, envValues: [] });
    else if (!isPlainObject(read.value))
      problems.push({ file, line: read.lineOf([]), message: 'must be a mapping' });
    else out.push({ file, value: read.value, lineOf: read.lineOf, envValues: read.envValues });
  }
  return { files: out, problems };
}

/** The files that will be read: those given, else the default names present in `cwd`. */
export async function configFileNames(
  files: readonly string[] | undefined,
  cwd: string,
  defaultNames: readonly string[],
): Promise<string[]> {
  if (files !== undefined) return [...files];
  const present = await Promise.all(defaultNames.map((n) => exists(join(cwd, n))));
  return defaultNames.filter((_n, i) => present[i]);
}

/**
 * Deep merge for layered config: mappings merge key by key, everything else (lists, scalars,
 * null) in `override` replaces what `base` had. Neither input is modified.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    setOwn(out, key, Object.hasOwn(out, key) ? deepMerge(out[key], value) : value);
  }
  return out;
}
