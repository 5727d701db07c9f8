import { isDeepStrictEqual } from 'node:util';

/**
 * Field sets of server-side apply, as the API server keeps them in `metadata.managedFields`
 * (structured-merge-diff's `fieldpath.Set`): which fields of an object a manager owns.
 *
 * A real server knows each kind's schema and so which lists are associative (merged by key),
 * sets, or atomic. The double has no schemas: the lists below are associative or sets by the
 * name of their field (the keys are those of the Kubernetes API's `x-kubernetes-list-map-keys`
 * for these fields), and every other list is atomic, as lists of custom resources without
 * list-type markers are on a real server. Maps are all treated as structs (a real server marks
 * a `map`-typed field such as `labels` itself with `.`); that changes which empty maps stay
 * behind after a field is pruned, not which values an object holds.
 *
 * A path is a list of serialized path elements (`f:spec`, `k:{"name":"web"}`, `v:"x"`),
 * joined by NUL, so a set of paths is a plain `Set<string>`.
 */
export type FieldSet = Set<string>;

const SEP = '\u0000';

const KEYED: Record<string, readonly string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  conditions: ['type'],
  hostAliases: ['ip'],
  ownerReferences: ['uid'],
};
const SETS = new Set(['finalizers']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key fields of an item of the list in `field`, or undefined when that list is atomic. */
function keyFields(field: string | undefined, item: unknown): readonly string[] | undefined {
  if (field === 'ports' && isObj(item))
    return 'containerPort' in item ? ['containerPort', 'protocol'] : ['port', 'protocol'];
  return field !== undefined ? KEYED[field] : undefined;
}

/** `k:{"name":"web"}` for an item of a keyed list (protocol defaults to TCP, as on a server). */
export function itemKey(fields: readonly string[], item: Obj): string | undefined {
  const key: Obj = {};
  for (const f of [...fields].sort()) {
    const v = f === 'protocol' ? (item[f] ?? 'TCP') : item[f];
    if (v === undefined) return undefined;
    key[f] = v;
  }
  return 'k:' + JSON.stringify(key);
}

type ListKind = { kind: 'atomic' } | { kind: 'set' } | { kind: 'keyed'; keys: (item: Obj) => string };

function listKind(field: string | undefined, list: readonly unknown[]): ListKind {
  if (field !== undefined && SETS.has(field) && list.every((v) => !isObj(v) && !Array.isArray(v)))
    return { kind: 'set' };
  const fields = list.length > 0 ? keyFields(field, list[0]) : undefined;
  if (fields === undefined || !list.every((i) => isObj(i) && itemKey(keyFields(field, i) ?? [], i)))
    return { kind: 'atomic' };
  const keys = list.map((i) => itemKey(keyFields(field, i) ?? [], i as Obj));
  if (new Set(keys).size !== keys.length) return { kind: 'atomic' };
  return { kind: 'keyed', keys: (i) => itemKey(keyFields(field, i) ?? [], i) as string };
}

/** Every field path of `value` (a whole object, or the part of one at `path`). */
export function fieldSetOf(value: unknown, path: string[] = [], field?: string, item = false): FieldSet {
  const out: FieldSet = new Set();
  collect(value, path, field, item, out);
  return out;
}

function collect(
  value: unknown,
  path: string[],
  field: string | undefined,
  item: boolean,
  out: FieldSet,
): void {
  if (isObj(value)) {
    const keys = Object.keys(value);
    if (item || keys.length === 0) out.add(path.join(SEP));
    for (const k of keys) collect(value[k], [...path, `f:${k}`], k, false, out);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const kind = listKind(field, value);
    if (kind.kind === 'set') for (const v of value) out.add([...path, `v:${JSON.stringify(v)}`].join(SEP));
    else if (kind.kind === 'keyed')
      for (const i of value as Obj[]) collect(i, [...path, kind.keys(i)], undefined, true, out);
    else out.add(path.join(SEP));
    return;
  }
  out.add(path.join(SEP));
}

export function split(path: string): string[] {
  return path === '' ? [] : path.split(SEP);
}

/** The value at `path`, or undefined. */
export function valueAt(root: unknown, path: string): unknown {
  let v = root;
  for (const pe of split(path)) {
    v = child(v, pe);
    if (v === undefined) return undefined;
  }
  return v;
}

function child(v: unknown, pe: string): unknown {
  if (pe.startsWith('f:')) return isObj(v) ? v[pe.slice(2)] : undefined;
  if (!Array.isArray(v)) return undefined;
  if (pe.startsWith('v:')) return v.find((x) => JSON.stringify(x) === pe.slice(2));
  if (pe.startsWith('k:')) {
    const key = JSON.parse(pe.slice(2)) as Obj;
    return v.find(
      (x) =>
        isObj(x) &&
        Object.entries(key).every(([k, kv]) => (k === 'protocol' ? (x[k] ?? 'TCP') : x[k]) === kv),
    );
  }
  return undefined;
}

/** Removes the field or list item at `path`, if there. */
export function removeAt(root: Obj, path: string): void {
  const pes = split(path);
  const last = pes.pop();
  if (last === undefined) return;
  let parent: unknown = root;
  for (const pe of pes) parent = child(parent, pe);
  if (last.startsWith('f:') && isObj(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const target = child(parent, last);
    const i = parent.indexOf(target);
    if (i >= 0) parent.splice(i, 1);
  }
}

/** The paths of `set` whose value (or, for a list item, whose presence) differs between a and b. */
export function changedPaths(a: unknown, b: unknown, set: Iterable<string>): FieldSet {
  const out: FieldSet = new Set();
  for (const p of set) {
    const last = split(p).at(-1) ?? '';
    const x = valueAt(a, p);
    const y = valueAt(b, p);
    const differs =
      last.startsWith('k:') || last.startsWith('v:')
        ? (x === undefined) !== (y === undefined)
        : !isDeepStrictEqual(x, y);
    if (differs) out.add(p);
  }
  return out;
}

/**
 * Merges an applied configuration into a live object: maps field by field, keyed lists item by
 * item (live items the configuration does not name stay, after its own), sets by union, and
 * everything else replaced.
 */
export function mergeApplied(live: unknown, config: unknown, field?: string): unknown {
  if (isObj(live) && isObj(config)) {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(config)) out[k] = mergeApplied(live[k], v, k);
    return out;
  }
  if (Array.isArray(live) && Array.isArray(config)) {
    const kind = listKind(field, [...config, ...live]);
    if (kind.kind === 'set')
      return [...config, ...live.filter((x) => !config.some((y) => isDeepStrictEqual(x, y)))];
    if (kind.kind === 'keyed') {
      const liveByKey = new Map((live as Obj[]).map((i) => [kind.keys(i), i]));
      const configKeys = new Set((config as Obj[]).map(kind.keys));
      return [
        ...(config as Obj[]).map((i) => mergeApplied(liveByKey.get(kind.keys(i)), i)),
        ...(live as Obj[]).filter((i) => !configKeys.has(kind.keys(i))),
      ];
    }
  }
  return structuredClone(config);
}

/** `.spec.template.spec.containers[name="web"].image`: how a server names a path in messages. */
export function pathText(path: string): string {
  return split(path)
    .map((pe) => {
      if (pe.startsWith('f:')) return '.' + pe.slice(2);
      if (pe.startsWith('v:')) return `[=${pe.slice(2)}]`;
      const key = JSON.parse(pe.slice(2)) as Obj;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    })
    .join('');
}

/** The `fieldsV1` tree of a set (`{"f:spec": {"f:replicas": {}}}`, `.` marking a member that has children). */
export function toFieldsV1(set: FieldSet): Obj {
  const root: Obj = {};
  for (const p of [...set].sort()) {
    let node = root;
    for (const pe of split(p)) node = (node[pe] ??= {}) as Obj;
  }
  // A member with members below it is marked with `.`.
  for (const p of set) {
    const node = split(p).reduce<Obj>((n, pe) => n[pe] as Obj, root);
    if (Object.keys(node).some((k) => k !== '.')) node['.'] = {};
  }
  return root;
}

/** The set a `fieldsV1` tree holds. */
export function fromFieldsV1(tree: unknown, path: string[] = [], out: FieldSet = new Set()): FieldSet {
  if (!isObj(tree)) return out;
  const keys = Object.keys(tree);
  if (path.length > 0 && (keys.length === 0 || '.' in tree)) out.add(path.join(SEP));
  for (const k of keys) if (k !== '.') fromFieldsV1(tree[k], [...path, k], out);
  return out;
}

export function union(...sets: Iterable<string>[]): FieldSet {
  const out: FieldSet = new Set();
  for (const s of sets) for (const p of s) out.add(p);
  return out;
}

export function minus(a: Iterable<string>, b: ReadonlySet<string>): FieldSet {
  return new Set([...a].filter((p) => !b.has(p)));
}
