import { formatPath, type Problem } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import { isPlainObject } from '../../inputs/is-plain-object.js';
import { identityKey, resourceIdOf, type ResourceId } from '../resources/resource-id.js';

/** One resource deploy applied, as the server reported it after the apply. */
export interface InventoryEntry extends ResourceId {
  /** The server's uid: a resource deleted and made again by hand has another. */
  uid?: string;
}

/** Which installation, and where its inventory ConfigMap lives. */
export interface InventoryLocation {
  installation: string;
  namespace: string;
}

/** An inventory as read: its entries and the ConfigMap version they were read at. */
export interface Inventory extends InventoryLocation {
  entries: InventoryEntry[];
  /** Absent when no inventory exists yet. */
  resourceVersion?: string;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'taskcluster-installer';
export const INSTALLATION_LABEL = 'taskcluster-installer/installation';
/** The ConfigMap key holding `{"version": 1, "resources": [...]}`. */
export const INVENTORY_KEY = 'inventory.json';
const FORMAT_VERSION = 1;

export function inventoryName(installation: string): string {
  return `taskcluster-installer-${installation}`;
}

/** `ConfigMap <namespace>/<name>`: how messages name the inventory. */
export function inventoryLabel(at: InventoryLocation): string {
  return `ConfigMap ${at.namespace}/${inventoryName(at.installation)}`;
}

/** The ConfigMap that records `inventory`, sorted so the same resources give the same bytes. */
export function inventoryConfigMap(inventory: Inventory): Record<string, unknown> {
  const resources = [...inventory.entries].sort((a, b) => (identityKey(a) < identityKey(b) ? -1 : 1));
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryName(inventory.installation),
      namespace: inventory.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [INSTALLATION_LABEL]: inventory.installation },
      ...(inventory.resourceVersion !== undefined ? { resourceVersion: inventory.resourceVersion } : {}),
    },
    // One resource a line: readable in `kubectl get configmap -o yaml`, and still plain JSON.
    data: {
      [INVENTORY_KEY]: `{"version": ${FORMAT_VERSION}, "resources": [\n${resources.map(entryLine).join(',\n')}\n]}\n`,
    },
  };
}

/** One entry as a line, its fields in one order, so the same entries always give the same text. */
function entryLine(e: InventoryEntry): string {
  const { apiVersion, kind, namespace, name, uid } = e;
  return JSON.stringify({ apiVersion, kind, namespace, name, uid });
}

/**
 * Reads an inventory ConfigMap. One that lacks the tool's labels, or belongs to another
 * installation, or whose content is not an inventory is refused, naming the field: pruning by a
 * record that cannot be trusted could delete anything.
 */
export function parseInventory(configMap: Record<string, unknown>, at: InventoryLocation): Inventory {
  const file = inventoryLabel(at);
  const hint =
    'deploy keeps the record of what it applied there; move that ConfigMap aside, or name another --installation';
  const metadata = isPlainObject(configMap['metadata']) ? configMap['metadata'] : {};
  const labels = isPlainObject(metadata['labels']) ? metadata['labels'] : {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY || labels[INSTALLATION_LABEL] !== at.installation) {
    throw new UserError({
      file,
      path: 'metadata.labels',
      message: `exists but is not the inventory of installation ${JSON.stringify(at.installation)} (labels ${MANAGED_BY_LABEL}=${MANAGED_BY}, ${INSTALLATION_LABEL}=${at.installation})`,
      hint,
    });
  }
  const data = isPlainObject(configMap['data']) ? configMap['data'] : {};
  const problems: Problem[] = [];
  const entries = entriesOf(data[INVENTORY_KEY], (path, message) =>
    problems.push({ file, path: formatPath(['data', INVENTORY_KEY, ...path]), message, hint }),
  );
  if (problems.length > 0) throw new UserError(problems);
  const rv = metadata['resourceVersion'];
  return { ...at, entries, ...(typeof rv === 'string' ? { resourceVersion: rv } : {}) };
}

function entriesOf(
  text: unknown,
  problem: (path: Array<string | number>, message: string) => void,
): InventoryEntry[] {
  let doc: unknown;
  try {
    doc = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    doc = undefined;
  }
  if (!isPlainObject(doc) || doc['version'] !== FORMAT_VERSION || !Array.isArray(doc['resources'])) {
    problem([], `must be JSON {"version": ${FORMAT_VERSION}, "resources": [...]}`);
    return [];
  }
  const out: InventoryEntry[] = [];
  for (const [i, e] of (doc['resources'] as unknown[]).entries()) {
    const entry = isPlainObject(e) ? e : {};
    const bad = ['apiVersion', 'kind', 'name', 'namespace', 'uid'].filter((field) => {
      const v = entry[field];
      const optional = field === 'namespace' || field === 'uid';
      return !(typeof v === 'string' && v !== '') && !(optional && v === undefined);
    });
    for (const field of bad) problem(['resources', i, field], 'must be a non-empty string');
    if (bad.length > 0) continue;
    const { apiVersion, kind, namespace, name, uid } = entry as unknown as InventoryEntry;
    out.push({
      apiVersion,
      kind,
      ...(namespace !== undefined ? { namespace } : {}),
      name,
      ...(uid !== undefined ? { uid } : {}),
    });
  }
  return out;
}

/** What the server returned for an applied resource, as an entry. */
export function entryOf(live: Record<string, unknown>): InventoryEntry {
  const uid = (live['metadata'] as Record<string, unknown>)['uid'];
  return { ...resourceIdOf(live), ...(typeof uid === 'string' ? { uid } : {}) };
}

/** `later`'s entries, plus those of `earlier` that it does not name. */
export function mergeEntries(
  earlier: readonly InventoryEntry[],
  later: readonly InventoryEntry[],
): InventoryEntry[] {
  const keys = new Set(later.map(identityKey));
  return [...earlier.filter((e) => !keys.has(identityKey(e))), ...later];
}
