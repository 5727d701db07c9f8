import {
  changedPaths,
  fieldSetOf,
  fromFieldsV1,
  mergeApplied,
  minus,
  removeAt,
  toFieldsV1,
  union,
  type FieldSet,
} from './field-set.js';

/**
 * Server-side apply and field ownership, after structured-merge-diff's `merge.Updater` (Apply
 * and Update), which the API server runs on every write:
 * - an Update (create, replace, any non-apply patch) gives its manager every field it changed
 *   and takes those fields from every other manager;
 * - an Apply merges the configuration into the object, removes the fields its manager applied
 *   last time and no longer applies (unless another applier owns them), and fails with a
 *   conflict for each field that another manager owns and whose value the apply would change,
 *   unless forced, which takes those fields over.
 */
type Obj = Record<string, unknown>;

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Obj;
}

interface Owned {
  entry: ManagerEntry;
  set: FieldSet;
}

export interface Conflict {
  manager: ManagerEntry;
  path: string;
}

/** Fields no manager owns: identity and what the server sets (stripmeta), and status. */
const SERVER_FIELDS = ['apiVersion', 'kind', 'status'];
const SERVER_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
];

export function ownableFields(o: Obj): FieldSet {
  const copy: Obj = { ...o };
  for (const f of SERVER_FIELDS) delete copy[f];
  const metadata = { ...((copy['metadata'] ?? {}) as Obj) };
  for (const f of SERVER_METADATA) delete metadata[f];
  if (Object.keys(metadata).length > 0) copy['metadata'] = metadata;
  else delete copy['metadata'];
  return fieldSetOf(copy);
}

function ownersOf(o: Obj | undefined): Owned[] {
  const list = ((o?.['metadata'] as Obj | undefined)?.['managedFields'] ?? []) as ManagerEntry[];
  return list.map((entry) => ({ entry, set: fromFieldsV1(entry.fieldsV1) }));
}

function entriesOf(owners: Owned[]): ManagerEntry[] {
  // In a fixed order, so that a write that changes nothing leaves the list as it was.
  return owners
    .filter((o) => o.set.size > 0)
    .map((o) => ({ ...o.entry, fieldsV1: toFieldsV1(o.set) }))
    .sort((a, b) => (a.manager + a.operation < b.manager + b.operation ? -1 : 1));
}

const sameOwner = (o: Owned, manager: string, operation: string) =>
  o.entry.manager === manager && o.entry.operation === operation;

/** The managedFields after an Update of `live` (undefined for a create) into `next` by `manager`. */
export function managedAfterUpdate(
  live: Obj | undefined,
  next: Obj,
  manager: string,
  apiVersion: string,
  now: string,
): ManagerEntry[] {
  const before = live !== undefined ? ownableFields(live) : new Set<string>();
  const after = ownableFields(next);
  const changed = changedPaths(live ?? {}, next, after);
  const removed = minus(before, after);
  const owners = ownersOf(live).map((o) => ({ ...o, set: minus(minus(o.set, changed), removed) }));
  let mine = owners.find((o) => sameOwner(o, manager, 'Update'));
  if (mine === undefined) {
    mine = {
      entry: { manager, operation: 'Update', apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: {} },
      set: new Set(),
    };
    owners.unshift(mine);
  }
  mine.set = minus(union(mine.set, changed), removed);
  mine.entry = { ...mine.entry, apiVersion, time: now };
  return entriesOf(owners);
}

export type ApplyResult = { object: Obj; managedFields: ManagerEntry[] } | { conflicts: Conflict[] };

/** Server-side apply of `config` by `manager` onto `live` (undefined: the object is created). */
export function serverSideApply(
  live: Obj | undefined,
  config: Obj,
  opts: { manager: string; force: boolean; now: string },
): ApplyResult {
  const apiVersion = config['apiVersion'] as string;
  const configSet = ownableFields(config);
  const owners = ownersOf(live);
  const mine = owners.find((o) => sameOwner(o, opts.manager, 'Apply'));
  const others = owners.filter((o) => o !== mine);
  const merged = mergeApplied(live ?? {}, config) as Obj;
  if (mine !== undefined) {
    const keptByAppliers = union(...others.filter((o) => o.entry.operation === 'Apply').map((o) => o.set));
    for (const p of [...minus(minus(mine.set, configSet), keptByAppliers)].sort().reverse())
      removeAt(merged, p);
  }
  const changed = changedPaths(live ?? {}, merged, configSet);
  const conflicts = others.flatMap((o) =>
    [...o.set].filter((p) => changed.has(p)).map((path) => ({ manager: o.entry, path })),
  );
  if (conflicts.length > 0 && !opts.force) return { conflicts };
  const removed = minus(ownableFields(live ?? {}), ownableFields(merged));
  const rest = others.map((o) => ({ ...o, set: minus(minus(o.set, changed), removed) }));
  const applied: Owned = {
    entry: {
      manager: opts.manager,
      operation: 'Apply',
      apiVersion,
      time: opts.now,
      fieldsType: 'FieldsV1',
      fieldsV1: {},
    },
    set: configSet,
  };
  return { object: merged, managedFields: entriesOf([applied, ...rest]) };
}
