import { isPlainObject } from '../../inputs/is-plain-object.js';

type Obj = Record<string, unknown>;

/** The manager `kubectl apply` (client-side) records its changes under. */
export const CLIENT_SIDE_APPLY_MANAGER = 'kubectl-client-side-apply';

/**
 * The JSON patch that hands an object applied client-side over to server-side apply, as
 * `kubectl apply --server-side` does (client-go's csaupgrade): the fields of the
 * `kubectl-client-side-apply` Update entry become `manager`'s Apply entry (joined with one it
 * already has), so the next apply owns them: it may change them without a conflict, and fields
 * the new release drops are removed, as client-side apply would have removed them. The
 * `kubectl.kubernetes.io/last-applied-configuration` annotation is one of those fields, so the
 * first apply removes it. The resourceVersion in the patch makes the server refuse it if the
 * object changed meanwhile. Undefined when there is nothing to hand over.
 */
export function clientSideMigration(live: Obj, manager: string): unknown[] | undefined {
  const metadata = isPlainObject(live['metadata']) ? live['metadata'] : {};
  const entries = (Array.isArray(metadata['managedFields']) ? metadata['managedFields'] : []) as Obj[];
  const isCsa = (e: Obj) =>
    e['manager'] === CLIENT_SIDE_APPLY_MANAGER &&
    e['operation'] === 'Update' &&
    (e['subresource'] ?? '') === '';
  const csa = entries.find(isCsa);
  if (csa === undefined) return undefined;
  const mine = entries.find(
    (e) => e['manager'] === manager && e['operation'] === 'Apply' && (e['subresource'] ?? '') === '',
  );
  const target: Obj = mine ?? { ...csa, manager, operation: 'Apply' };
  const merged: Obj = {
    ...target,
    fieldsV1:
      target === csa || target['apiVersion'] === csa['apiVersion']
        ? union(target['fieldsV1'], csa['fieldsV1'])
        : target['fieldsV1'],
  };
  const managedFields = [merged, ...entries.filter((e) => e !== mine && !isCsa(e))];
  return [
    { op: 'replace', path: '/metadata/managedFields', value: managedFields },
    { op: 'replace', path: '/metadata/resourceVersion', value: metadata['resourceVersion'] },
  ];
}

/** The union of two `fieldsV1` trees. */
function union(a: unknown, b: unknown): Obj {
  const out: Obj = isPlainObject(a) ? { ...a } : {};
  if (!isPlainObject(b)) return out;
  for (const [k, v] of Object.entries(b)) out[k] = union(out[k], v);
  return out;
}
