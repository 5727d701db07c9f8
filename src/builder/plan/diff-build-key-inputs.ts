import { canonicalJson } from '../../core/canonical-json.js';
import type { BuildKeyInputs } from './build-key.js';

/**
 * Names the inputs that differ between two builds of a service, for `--dry-run`:
 * `commit`, `stepVersion`, `serviceFields.context`, `baseImages.node:20`,
 * `extraCommits.buildpack`, `source.services/api`. Map-like inputs are compared entry by entry (an entry present on
 * one side only counts as changed), so the user sees which base image or field moved.
 */
export function diffBuildKeyInputs(old: BuildKeyInputs, next: BuildKeyInputs): string[] {
  const changed: string[] = [];
  for (const k of ['stepVersion', 'buildType', 'commit', 'platform'] as const) {
    if (old[k] !== next[k]) changed.push(k);
  }
  for (const k of ['serviceFields', 'baseImages', 'extraCommits', 'source'] as const) {
    const a: Record<string, unknown> = old[k] ?? {};
    const b: Record<string, unknown> = next[k] ?? {};
    const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const n of names) if (canonicalJson(a[n]) !== canonicalJson(b[n])) changed.push(`${k}.${n}`);
  }
  return changed;
}
