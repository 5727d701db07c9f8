import { formatPath, type Problem } from '../../core/problem.js';
import type { ClusterSpec } from '../../inputs/types.js';

type Segment = string | number;

/** JSON-e's location (`.resources`, `[3]`, `["odd key"]`) as path segments. */
export function parseJsonELocation(location: readonly string[]): Segment[] {
  return location.map((loc) => {
    if (loc.startsWith('.')) return loc.slice(1);
    const inner = loc.slice(1, -1);
    return /^\d+$/.test(inner) ? Number(inner) : (JSON.parse(inner) as string);
  });
}

/**
 * JSON-e reports where a value ends up, which skips operator keys: an error inside
 * `spec: {$let: {service: …}, in: …}` is reported at `spec.service`. Walk the template along the
 * reported path and step into an operator's body where the key lives, to find the real path
 * (`spec.$let.service`) whose YAML line can be looked up.
 */
export function templatePathOf(template: unknown, reported: readonly Segment[]): Segment[] {
  const path: Segment[] = [];
  let node = template;
  for (const seg of reported) {
    const next = childOf(node, seg);
    if (next !== undefined) {
      path.push(seg);
      node = next;
      continue;
    }
    const via = operatorHolding(node, seg);
    if (via === undefined) break;
    path.push(via, seg);
    node = childOf(childOf(node, via), seg);
  }
  return path;
}

function childOf(node: unknown, seg: Segment): unknown {
  if (typeof seg === 'number') return Array.isArray(node) ? (node[seg] as unknown) : undefined;
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  return Object.prototype.hasOwnProperty.call(node, seg) ? (node as Record<string, unknown>)[seg] : undefined;
}

/** The operator key (`$let`, `in`, `then`, `each(x)`, …) of `node` whose body has `seg`. */
function operatorHolding(node: unknown, seg: Segment): string | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  for (const key of Object.keys(node)) {
    if (!/^(\$|in$|then$|else$|each\()/.test(key)) continue;
    if (childOf((node as Record<string, unknown>)[key], seg) !== undefined) return key;
  }
  return undefined;
}

/** Where in the user's files a template path is: file, YAML line (nearest known), display path. */
export function locateInTemplate(
  spec: ClusterSpec,
  path: readonly Segment[],
): Pick<Problem, 'file' | 'line' | 'path'> {
  let line: number | undefined;
  for (let n = path.length; n >= 0 && line === undefined; n--) line = spec.deployLineOf?.(path.slice(0, n));
  // In a JSON spec the template sits under the top-level `deploy` key.
  const shown = spec.files.form === 'json' ? ['deploy', ...path] : path;
  return { file: spec.files.deploy, ...(line !== undefined ? { line } : {}), path: formatPath(shown) };
}
