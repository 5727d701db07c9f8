import { readInputFile } from './input-file.js';
import type { YamlOptions, YamlText } from './yaml-file.js';
import { YamlValueCache } from './yaml-value-cache.js';

export interface ReadYamlOptions extends YamlOptions {
  /** Parse cache (build only). A hit has no line map: callers re-read without it to report problems. */
  cache?: YamlValueCache;
}

/**
 * Reads and parses a YAML file (size-limited); a missing file is a Problem. The YAML parser is
 * loaded only on a cache miss.
 */
export async function readYamlFile(path: string, file: string, opts: ReadYamlOptions): Promise<YamlText> {
  const read = await readInputFile(path, file);
  if ('problem' in read) {
    return {
      value: undefined,
      empty: false,
      lineOf: () => undefined,
      envValues: [],
      problems: [read.problem],
    };
  }
  const hit = YamlValueCache.mayHold(read.text) ? await opts.cache?.get(read.text) : undefined;
  if (hit !== undefined) {
    return {
      value: hit.value,
      empty: hit.empty,
      lineOf: () => undefined,
      envValues: [],
      problems: [],
      cached: true,
    };
  }
  const { parseYaml } = await import('./yaml-file.js');
  const parsed = parseYaml(read.text, file, opts);
  if (parsed.problems.length === 0 && parsed.envValues.length === 0) {
    opts.cache?.put(read.text, { value: parsed.value, empty: parsed.empty });
  }
  return parsed;
}
