import fastJsonPatch, { type Operation } from 'fast-json-patch';

/**
 * The patch types a server accepts besides apply: JSON merge patch (RFC 7386, which kubectl
 * sends for custom resources), strategic merge patch (what `kubectl apply` client-side sends
 * for built-in kinds) and JSON patch (RFC 6902, kubectl's managed-fields migration).
 *
 * Strategic merge patch is Kubernetes' own format with no JavaScript implementation, so its
 * subset that kubectl produces is written here: maps merge and `null` deletes; lists with a
 * patch merge key (the ones below, as the built-in types declare them) merge item by item, with
 * `$patch: delete` items, `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`
 * directives; `$patch: replace` replaces; `$retainKeys` is ignored; other lists are replaced.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  conditions: 'type',
  hostAliases: 'ip',
  ownerReferences: 'uid',
};
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = jsonMergePatch(out[k], v);
  }
  return out;
}

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  if (patch['$patch'] === 'replace') {
    const { $patch: _, ...rest } = patch;
    return structuredClone(rest);
  }
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = Array.isArray(v) ? v : [];
      out[field] = ((out[field] ?? []) as unknown[]).filter((x) => !drop.includes(x));
    } else if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(out[k], v, k, patch[`$setElementOrder/${k}`]);
    else if (isObj(v) && v['$patch'] === 'delete') delete out[k];
    else out[k] = strategicMergePatch(out[k], v);
  }
  return out;
}

function mergeKeyOf(field: string, items: readonly unknown[]): string | undefined {
  if (field === 'ports')
    return items.some((i) => isObj(i) && 'containerPort' in i) ? 'containerPort' : 'port';
  return MERGE_KEYS[field];
}

function mergeList(target: unknown, patch: unknown[], field: string, order: unknown): unknown[] {
  const current = Array.isArray(target) ? target : [];
  if (MERGED_PRIMITIVE_LISTS.has(field)) return [...current, ...patch.filter((x) => !current.includes(x))];
  const key = mergeKeyOf(field, [...current, ...patch]);
  if (key === undefined || !patch.every(isObj)) return structuredClone(patch);
  const out = [...current] as Obj[];
  for (const item of patch as Obj[]) {
    const at = out.findIndex((x) => isObj(x) && x[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = strategicMergePatch(out[at], item) as Obj;
    else out.push(strategicMergePatch({}, item) as Obj);
  }
  if (!Array.isArray(order)) return out;
  const rank = (x: Obj) => {
    const i = order.findIndex((o) => isObj(o) && o[key] === x[key]);
    return i < 0 ? order.length : i;
  };
  return out
    .map((x, i) => ({ x, i }))
    .sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i)
    .map(({ x }) => x);
}

/** RFC 6902; throws when an operation fails (a failed `test` included). */
export function jsonPatch(target: Obj, ops: unknown): Obj {
  return fastJsonPatch.applyPatch(structuredClone(target), ops as Operation[], true, false).newDocument;
}
