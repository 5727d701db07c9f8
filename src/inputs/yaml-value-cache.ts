import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-fs.js';

export interface CachedYaml {
  value: unknown;
  empty: boolean;
}

/**
 * Parsed YAML values by the sha256 of the text, so a repeated build neither loads the YAML
 * parser nor runs it (a tenth of a no-op build's time). Only what a text alone determines is
 * kept: no text with `!env` (its value depends on the environment), and no text naming a
 * password or holding a URL with userinfo (credentials are never written to disk). New entries are held until `flush`, which
 * the build calls only after it succeeded, so bad input writes nothing; entries are written
 * atomically, and a damaged or missing entry is a miss.
 */
export class YamlValueCache {
  private readonly pending = new Map<string, CachedYaml>();
  /** How many reads this cache answered: a load with problems is repeated only after a hit. */
  hits = 0;

  constructor(private readonly dir: string) {}

  async get(text: string): Promise<CachedYaml | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.fileOf(text), 'utf8')) as CachedYaml;
      if (typeof entry !== 'object' || entry === null || !('value' in entry)) return undefined;
      this.hits += 1;
      return entry;
    } catch {
      return undefined;
    }
  }

  put(text: string, entry: CachedYaml): void {
    if (YamlValueCache.mayHold(text) && isJsonValue(entry.value)) this.pending.set(this.fileOf(text), entry);
  }

  async flush(): Promise<void> {
    for (const [file, entry] of this.pending) await writeFileAtomic(file, JSON.stringify(entry));
    this.pending.clear();
  }

  static mayHold(text: string): boolean {
    return (
      !text.includes('!env') &&
      !text.includes('%TAG') &&
      !/password/i.test(text) &&
      // A URL with userinfo (`https://TOKEN@host/…`) carries a credential. Anchored at "://"
      // and bounded, so a huge text costs linear time.
      !/:\/\/[^/\s@]{0,1024}@/.test(text)
    );
  }

  private fileOf(text: string): string {
    return join(this.dir, createHash('sha256').update(text).digest('hex') + '.json');
  }
}

/** True when JSON round-trips the value unchanged (no Infinity, NaN, dates or shared nodes lost). */
function isJsonValue(v: unknown, depth = 0): boolean {
  if (depth > 200) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJsonValue(x, depth + 1));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.values(v as Record<string, unknown>).every((x) => isJsonValue(x, depth + 1));
  }
  return false;
}
