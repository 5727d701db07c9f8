import { isDeepStrictEqual } from 'node:util';
import type { Emit, Event, FieldChange } from '../../core/events.js';
import { UserError } from '../../core/user-error.js';
import { isPlainObject } from '../../inputs/is-plain-object.js';
import { identityKey, resourceIdOf, resourceRef, resourceText } from '../resources/resource-id.js';
import { diffValues, joinKey } from './diff-values.js';

/** A resource on one side of a diff: the file it is (or would be) written to, and its object. */
export interface DiffResource {
  file: string;
  object: Record<string, unknown>;
}

/** A resource added, removed or changed: the `diff-resource` event without its `kind`. */
export type ResourceChange = Omit<Extract<Event, { kind: 'diff-resource' }>, 'kind'>;

export interface ResourceDiff {
  changes: ResourceChange[];
  unchanged: number;
}

/** Fields of a Secret whose values are secret, plain (`stringData`) or base64 (`data`). */
const SECRET_FIELDS = ['data', 'stringData'] as const;

/**
 * Compares two sets of resources (docs/deploy.md). A resource is the same on both sides when its
 * API group, kind, namespace and name are: its version (`apps/v1beta2` → `apps/v1`) and its
 * file name may change. Changes come sorted by file name. Secret values never enter the result:
 * a Secret's `data` and `stringData` are compared key by key and reported without values.
 */
export function diffResources(
  before: readonly DiffResource[],
  after: readonly DiffResource[],
  labels: { before: string; after: string },
): ResourceDiff {
  const old = byIdentity(before, labels.before);
  const changes: ResourceChange[] = [];
  let unchanged = 0;
  for (const [id, next] of byIdentity(after, labels.after)) {
    const prev = old.get(id);
    old.delete(id);
    if (prev === undefined) {
      changes.push({ change: 'added', file: next.file, ...describe(next.object) });
      continue;
    }
    const fields = diffObjects(prev.object, next.object);
    if (fields.length === 0 && prev.file === next.file) {
      unchanged += 1;
      continue;
    }
    changes.push({
      change: 'changed',
      file: next.file,
      ...(prev.file !== next.file ? { oldFile: prev.file } : {}),
      ...describe(next.object),
      fields,
    });
  }
  for (const prev of old.values())
    changes.push({ change: 'removed', file: prev.file, ...describe(prev.object) });
  changes.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));
  return { changes, unchanged };
}

/** One `diff-resource` event per change, then the `diff-summary`. */
export function emitDiff(diff: ResourceDiff, emit: Emit): void {
  const count = (change: ResourceChange['change']) => diff.changes.filter((c) => c.change === change).length;
  for (const c of diff.changes) emit({ kind: 'diff-resource', ...c });
  emit({
    kind: 'diff-summary',
    added: count('added'),
    removed: count('removed'),
    changed: count('changed'),
    unchanged: diff.unchanged,
  });
}

function diffObjects(a: Record<string, unknown>, b: Record<string, unknown>): FieldChange[] {
  if (a['kind'] !== 'Secret') return diffValues(a, b);
  const strip = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !(SECRET_FIELDS as readonly string[]).includes(k)));
  return [...diffValues(strip(a), strip(b)), ...SECRET_FIELDS.flatMap((f) => maskedChanges(a[f], b[f], f))];
}

/** Key by key where both sides are maps; the values are compared, never kept. */
function maskedChanges(a: unknown, b: unknown, field: string): FieldChange[] {
  if (isDeepStrictEqual(a, b)) return [];
  const map = (v: unknown) => (v === undefined ? {} : isPlainObject(v) ? v : undefined);
  const before = map(a);
  const after = map(b);
  if (before === undefined || after === undefined) return [{ path: field, change: 'changed', masked: true }];
  const out: FieldChange[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const path = joinKey(field, key);
    if (!(key in after)) out.push({ path, change: 'removed', masked: true });
    else if (!(key in before)) out.push({ path, change: 'added', masked: true });
    else if (!isDeepStrictEqual(before[key], after[key])) out.push({ path, change: 'changed', masked: true });
  }
  return out;
}

function describe(
  o: Record<string, unknown>,
): Pick<ResourceChange, 'apiVersion' | 'resourceKind' | 'namespace' | 'name'> {
  return resourceRef(resourceIdOf(o));
}

/** Two files of one side that are the same resource would be applied onto one object. */
function byIdentity(side: readonly DiffResource[], label: string): Map<string, DiffResource> {
  const out = new Map<string, DiffResource>();
  for (const r of side) {
    const id = resourceIdOf(r.object);
    const key = identityKey(id);
    const other = out.get(key);
    if (other !== undefined) {
      throw new UserError({
        file: label,
        message: `${other.file} and ${r.file} are the same resource (${resourceText(id)})`,
        hint: 'each resource must appear once',
      });
    }
    out.set(key, r);
  }
  return out;
}
