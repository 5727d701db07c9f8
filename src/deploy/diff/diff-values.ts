import { isDeepStrictEqual } from 'node:util';
import type { FieldChange } from '../../core/events.js';
import { formatPath } from '../../core/problem.js';
import { isPlainObject } from '../../inputs/is-plain-object.js';

/**
 * Structural diff of two JSON values.
 *
 * Hand-written, on purpose: the libraries that diff JSON (microdiff, jsondiffpatch, json-diff-ts)
 * either match list items by index only, or need every keyed list's path configured in advance
 * (json-diff-ts, jsondiffpatch's objectHash) and then misbehave on duplicate keys. Kubernetes
 * objects want a rule that looks at the items themselves: a list whose items on both sides are
 * all objects with distinct string `name`s (containers, env, ports, volumes, …) is matched by
 * name and gives paths like `containers[name=web].env[name=MODE].value`, which stay right when
 * an item is inserted before them; any other list is compared by index. A change of order of a
 * named list is reported too, since applying it changes the object. The walk itself is a few
 * lines; the rule is the part no library offers.
 */
export function diffValues(a: unknown, b: unknown, path = ''): FieldChange[] {
  if (isDeepStrictEqual(a, b)) return [];
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: FieldChange[] = [];
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const at = joinKey(path, key);
      if (!(key in b)) out.push({ path: at, change: 'removed', old: a[key] });
      else if (!(key in a)) out.push({ path: at, change: 'added', new: b[key] });
      else out.push(...diffValues(a[key], b[key], at));
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const byName = namedItems(a) !== undefined && namedItems(b) !== undefined;
    return byName ? diffNamedLists(a, b, path) : diffIndexedLists(a, b, path);
  }
  return [{ path, change: 'changed', old: a, new: b }];
}

function diffIndexedLists(a: unknown[], b: unknown[], path: string): FieldChange[] {
  const out: FieldChange[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const at = `${path}[${i}]`;
    if (i >= b.length) out.push({ path: at, change: 'removed', old: a[i] });
    else if (i >= a.length) out.push({ path: at, change: 'added', new: b[i] });
    else out.push(...diffValues(a[i], b[i], at));
  }
  return out;
}

function diffNamedLists(a: unknown[], b: unknown[], path: string): FieldChange[] {
  const before = namedItems(a) as Map<string, unknown>;
  const after = namedItems(b) as Map<string, unknown>;
  const out: FieldChange[] = [];
  for (const [name, item] of before) {
    const at = `${path}[name=${nameLabel(name)}]`;
    if (!after.has(name)) out.push({ path: at, change: 'removed', old: item });
    else out.push(...diffValues(item, after.get(name), at));
  }
  for (const [name, item] of after) {
    if (!before.has(name)) out.push({ path: `${path}[name=${nameLabel(name)}]`, change: 'added', new: item });
  }
  const kept = [...before.keys()].filter((n) => after.has(n));
  const keptAfter = [...after.keys()].filter((n) => before.has(n));
  if (!isDeepStrictEqual(kept, keptAfter)) out.push({ path, change: 'reordered', old: kept, new: keptAfter });
  return out;
}

/**
 * The items by name, when every item is an object with a string `name` and no name repeats (an
 * empty list qualifies, so a first env var is `env[name=X]`, not `env[0]`).
 */
function namedItems(list: unknown[]): Map<string, unknown> | undefined {
  const byName = new Map<string, unknown>();
  for (const item of list) {
    const name = isPlainObject(item) ? item['name'] : undefined;
    if (typeof name !== 'string' || byName.has(name)) return undefined;
    byName.set(name, item);
  }
  return byName;
}

function nameLabel(name: string): string {
  return /^[\w.-]+$/.test(name) ? name : JSON.stringify(name);
}

/** `path` + `.key`, or `["odd key"]` where a dot would be ambiguous. */
export function joinKey(path: string, key: string): string {
  const segment = formatPath([key]);
  return segment.startsWith('[') || path === '' ? path + segment : `${path}.${segment}`;
}
