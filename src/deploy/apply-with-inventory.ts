import type { ResourceRef } from '../core/events.js';
import {
  entryOf,
  inventoryConfigMap,
  inventoryName,
  INSTALLATION_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  mergeEntries,
  parseInventory,
  stubOf,
  type Inventory,
  type InventoryEntry,
  type InventoryLocation,
} from './inventory/inventory.js';
import {
  checkPruneGuard,
  needsResolving,
  pruneCandidates,
  selectDeletions,
  type PruneGuard,
  type RenderedRef,
} from './inventory/plan-prune.js';
import { deleteObjects } from './kubectl/delete-objects.js';
import { getObjects, listObjects } from './kubectl/get-objects.js';
import type { KubectlOptions } from './kubectl/run-kubectl.js';
import { saveObject } from './kubectl/save-object.js';
import type { ResourceFile } from './resources/check-resources.js';

export interface InventoryOptions {
  at: InventoryLocation;
  /** `--prune`: delete what the inventory lists and the render lacks, within this guard. */
  prune?: PruneGuard;
}

/** What an apply starts from: the inventory as read, and the deletions a prune will make. */
export interface ApplyPlan {
  inventory: Inventory;
  deletions: InventoryEntry[];
}

/**
 * Before applying: reads the installation's inventory and, with `prune`, decides what to delete
 * and checks the guard, so that a refused prune changes nothing in the cluster.
 */
export async function planApply(
  files: readonly ResourceFile[],
  opts: InventoryOptions,
  kubectl: KubectlOptions,
): Promise<ApplyPlan> {
  const inventory = await readInventory(opts.at, kubectl);
  if (opts.prune === undefined) return { inventory, deletions: [] };
  const rendered = files.map((f) => renderedRef(f.object));
  let candidates = pruneCandidates(inventory.entries, rendered);
  const unresolved = needsResolving(candidates, rendered);
  if (unresolved.length > 0) {
    const resolved = await getObjects(unresolved.map(stubOf), kubectl);
    candidates = pruneCandidates(inventory.entries, rendered, resolved.map(entryOf));
  }
  if (candidates.length === 0) return { inventory, deletions: [] };
  const [live, others] = await Promise.all([
    getObjects(candidates.map(stubOf), kubectl),
    otherInventories(opts.at, kubectl),
  ]);
  const { deletions, kept } = selectDeletions(candidates, live.map(entryOf), others);
  for (const message of kept) kubectl.emit({ kind: 'warning', message });
  checkPruneGuard(deletions, opts.prune);
  return { inventory, deletions };
}

/**
 * After a successful apply: records the union of what the inventory held and what was just
 * applied (with the uids the server gave), before anything is deleted, so an interrupted prune
 * still knows what to finish. Returns the plan with the new inventory and the applied entries.
 * `outDir` undefined: nothing was applied (the render had no resources).
 */
export async function recordApplied(
  outDir: string | undefined,
  plan: ApplyPlan,
  kubectl: KubectlOptions,
): Promise<ApplyPlan & { applied: InventoryEntry[] }> {
  const applied = outDir !== undefined ? (await getObjects(outDir, kubectl)).map(entryOf) : [];
  const inventory = await writeInventory(
    { ...plan.inventory, entries: mergeEntries(plan.inventory.entries, applied) },
    kubectl,
  );
  return { ...plan, inventory, applied };
}

/** Deletes the planned resources, then records only what was applied. */
export async function pruneRemoved(
  plan: ApplyPlan & { applied: InventoryEntry[] },
  kubectl: KubectlOptions,
): Promise<void> {
  kubectl.emit({ kind: 'prune-planned', dryRun: false, resources: plan.deletions.map(resourceRef) });
  await deleteObjects(plan.deletions.map(stubOf), kubectl);
  if (plan.inventory.entries.length !== plan.applied.length)
    await writeInventory({ ...plan.inventory, entries: plan.applied }, kubectl);
}

export function resourceRef(e: InventoryEntry): ResourceRef {
  return {
    apiVersion: e.apiVersion,
    resourceKind: e.kind,
    ...(e.namespace !== undefined ? { namespace: e.namespace } : {}),
    name: e.name,
  };
}

async function readInventory(at: InventoryLocation, kubectl: KubectlOptions): Promise<Inventory> {
  const [found] = await getObjects(
    [
      stubOf({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: at.namespace,
        name: inventoryName(at.installation),
      }),
    ],
    kubectl,
  );
  return found === undefined ? { ...at, entries: [] } : parseInventory(found, at);
}

async function writeInventory(inventory: Inventory, kubectl: KubectlOptions): Promise<Inventory> {
  const stored = await saveObject(inventoryConfigMap(inventory), kubectl);
  const rv = (stored['metadata'] as Record<string, unknown>)['resourceVersion'];
  kubectl.emit({
    kind: 'inventory-written',
    installation: inventory.installation,
    namespace: inventory.namespace,
    name: inventoryName(inventory.installation),
    resources: inventory.entries.length,
  });
  return { ...inventory, ...(typeof rv === 'string' ? { resourceVersion: rv } : {}) };
}

/** The inventories of the other installations beside this one: what they applied is theirs. */
async function otherInventories(at: InventoryLocation, kubectl: KubectlOptions): Promise<Inventory[]> {
  const found = await listObjects('configmaps', at.namespace, `${MANAGED_BY_LABEL}=${MANAGED_BY}`, kubectl);
  return found.flatMap((cm) => {
    const labels = ((cm['metadata'] as Record<string, unknown>)['labels'] ?? {}) as Record<string, unknown>;
    const installation = labels[INSTALLATION_LABEL];
    if (typeof installation !== 'string' || installation === at.installation) return [];
    return [parseInventory(cm, { installation, namespace: at.namespace })];
  });
}

function renderedRef(o: Record<string, unknown>): RenderedRef {
  const metadata = o['metadata'] as Record<string, unknown>;
  const ns = metadata['namespace'];
  return {
    apiVersion: o['apiVersion'] as string,
    kind: o['kind'] as string,
    ...(typeof ns === 'string' && ns !== '' ? { namespace: ns } : {}),
    name: metadata['name'] as string,
  };
}
