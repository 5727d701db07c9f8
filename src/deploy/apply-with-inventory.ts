import { UserError } from '../core/user-error.js';
import { deletionStages } from './apply/apply-order.js';
import { statusOf } from './cluster/api-error.js';
import type { ClusterSession } from './cluster/cluster-session.js';
import { collectionPath } from './cluster/discovery.js';
import {
  entryOf,
  inventoryConfigMap,
  inventoryLabel,
  inventoryName,
  INSTALLATION_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  mergeEntries,
  parseInventory,
  type Inventory,
  type InventoryEntry,
  type InventoryLocation,
} from './inventory/inventory.js';
import {
  checkPruneGuard,
  pruneCandidates,
  selectDeletions,
  type PruneGuard,
} from './inventory/plan-prune.js';
import { resourceRef, resourceText, type ResourceId } from './resources/resource-id.js';

type Obj = Record<string, unknown>;

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
 * and checks the guard, so that a refused prune changes nothing in the cluster. `rendered`: the
 * ids of the rendered resources, namespaces resolved as they will be applied.
 */
export async function planApply(
  rendered: readonly ResourceId[],
  opts: InventoryOptions,
  session: ClusterSession,
): Promise<ApplyPlan> {
  const inventory = await readInventory(opts.at, rendered, session);
  if (opts.prune === undefined) return { inventory, deletions: [] };
  const candidates = pruneCandidates(inventory.entries, rendered);
  if (candidates.length === 0) return { inventory, deletions: [] };
  const [live, others] = await Promise.all([
    liveEntries(candidates, session),
    otherInventories(opts.at, session),
  ]);
  const selected = selectDeletions(candidates, live, others);
  for (const message of selected.kept) session.emit({ kind: 'warning', message });
  const deletions = deletionStages(selected.deletions).flat();
  checkPruneGuard(deletions, opts.prune);
  return { inventory, deletions };
}

/**
 * After a successful apply: records the union of what the inventory held and what was just
 * applied (with the uids the server gave), before anything is deleted, so an interrupted prune
 * still knows what to finish.
 */
export async function recordApplied(
  applied: readonly InventoryEntry[],
  plan: ApplyPlan,
  session: ClusterSession,
): Promise<ApplyPlan & { applied: InventoryEntry[] }> {
  const entries = [...applied];
  const merged = mergeEntries(plan.inventory.entries, entries);
  // A deploy that changed nothing writes nothing, the inventory included. Before deleting, the
  // write also proves no other deploy of the installation changed the record meanwhile.
  const text = (e: InventoryEntry[]) => JSON.stringify(inventoryConfigMap({ ...plan.inventory, entries: e }));
  const unchanged =
    plan.inventory.resourceVersion !== undefined && text(merged) === text(plan.inventory.entries);
  if (unchanged && plan.deletions.length === 0) return { ...plan, applied: entries };
  const inventory = await writeInventory({ ...plan.inventory, entries: merged }, session);
  return { ...plan, inventory, applied: entries };
}

/**
 * Deletes the planned resources in the reverse of the apply order (namespaced ones, other
 * cluster-scoped ones, CRDs, Namespaces), each group at once, then records only what was applied.
 * A failed deletion does not stop the others; the inventory keeps listing it until a rerun.
 */
export async function pruneRemoved(
  plan: ApplyPlan & { applied: InventoryEntry[] },
  session: ClusterSession,
): Promise<void> {
  session.emit({ kind: 'prune-planned', dryRun: false, resources: plan.deletions.map(resourceRef) });
  const failed: string[] = [];
  for (const group of deletionStages(plan.deletions)) {
    await Promise.all(
      group.map(async (e) => {
        const path = await pathOf(e, session);
        if (path === undefined) return;
        const res = await session.client.request('DELETE', path, {
          body: {
            apiVersion: 'v1',
            kind: 'DeleteOptions',
            propagationPolicy: 'Background',
            ...(e.uid !== undefined ? { preconditions: { uid: e.uid } } : {}),
          },
        });
        if (res.status === 200 || res.status === 202 || res.status === 404)
          session.emit({ kind: 'info', message: `${resourceText(e)} deleted` });
        else failed.push(`${resourceText(e)}: ${statusOf(res).message}`);
      }),
    );
  }
  if (failed.length > 0)
    throw new UserError(
      {
        message: `could not delete ${failed.length} of ${plan.deletions.length} resources`,
        hint: 'the inventory still lists them; deploy again to finish the prune',
      },
      { details: failed },
    );
  if (plan.inventory.entries.length !== plan.applied.length)
    await writeInventory({ ...plan.inventory, entries: plan.applied }, session);
}

const inventoryPath = (at: InventoryLocation, name = true) =>
  `/api/v1/namespaces/${at.namespace}/configmaps${name ? `/${inventoryName(at.installation)}` : ''}`;

async function readInventory(
  at: InventoryLocation,
  rendered: readonly ResourceId[],
  session: ClusterSession,
): Promise<Inventory> {
  const [found, namespace] = await Promise.all([
    session.client.request('GET', inventoryPath(at)),
    session.client.request('GET', `/api/v1/namespaces/${at.namespace}`),
  ]);
  const createdHere = rendered.some((r) => r.kind === 'Namespace' && r.name === at.namespace);
  if (namespace.status === 404 && !createdHere)
    throw new UserError({
      file: inventoryLabel(at),
      message: `namespace ${at.namespace} does not exist, so deploy cannot record what it applies there`,
      hint: 'create it, add it to the release, or name another with --inventory-namespace',
    });
  if (found.status === 404) return { ...at, entries: [] };
  if (found.status !== 200)
    throw new UserError({
      file: inventoryLabel(at),
      message: `could not be read: ${statusOf(found).message}`,
    });
  return parseInventory(found.body, at);
}

async function writeInventory(inventory: Inventory, session: ClusterSession): Promise<Inventory> {
  const create = inventory.resourceVersion === undefined;
  const res = await session.client.request(create ? 'POST' : 'PUT', inventoryPath(inventory, !create), {
    body: inventoryConfigMap(inventory),
    query: { fieldManager: 'taskcluster-installer' },
  });
  if (res.status !== 200 && res.status !== 201) {
    const s = statusOf(res);
    throw new UserError({
      message: `could not record the inventory in ${inventoryLabel(inventory)}: ${s.message}`,
      ...(s.code === 409
        ? { hint: 'another deploy of the same installation changed it meanwhile; run this deploy again' }
        : {}),
    });
  }
  session.emit({
    kind: 'inventory-written',
    installation: inventory.installation,
    namespace: inventory.namespace,
    name: inventoryName(inventory.installation),
    resources: inventory.entries.length,
  });
  const rv = (res.body['metadata'] as Obj)['resourceVersion'];
  return { ...inventory, ...(typeof rv === 'string' ? { resourceVersion: rv } : {}) };
}

/** The inventories of the other installations beside this one: what they applied is theirs. */
async function otherInventories(at: InventoryLocation, session: ClusterSession): Promise<Inventory[]> {
  const res = await session.client.request('GET', inventoryPath(at, false), {
    query: { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` },
  });
  if (res.status !== 200)
    throw new UserError({
      message: `could not list the inventories in namespace ${at.namespace}: ${statusOf(res).message}`,
    });
  return ((res.body['items'] ?? []) as Obj[]).flatMap((cm) => {
    const labels = ((cm['metadata'] as Obj)['labels'] ?? {}) as Obj;
    const installation = labels[INSTALLATION_LABEL];
    if (typeof installation !== 'string' || installation === at.installation) return [];
    return [parseInventory(cm, { installation, namespace: at.namespace })];
  });
}

/** The candidates that still exist, as the server has them now (with their uids). */
async function liveEntries(
  candidates: readonly InventoryEntry[],
  session: ClusterSession,
): Promise<InventoryEntry[]> {
  const found = await Promise.all(
    candidates.map(async (e) => {
      const path = await pathOf(e, session);
      if (path === undefined) return [];
      const res = await session.client.request('GET', path);
      if (res.status === 404) return [];
      if (res.status !== 200)
        throw new UserError({ message: `could not read ${resourceText(e)}: ${statusOf(res).message}` });
      return [entryOf(res.body)];
    }),
  );
  return found.flat();
}

/** The API path of a recorded resource; undefined (with a warning) when its version is no longer served. */
async function pathOf(e: ResourceId, session: ClusterSession): Promise<string | undefined> {
  const info = await session.discovery.kind(e.apiVersion, e.kind);
  if (info !== undefined) return `${collectionPath(e.apiVersion, info, e.namespace)}/${e.name}`;
  session.emit({
    kind: 'warning',
    message: `${resourceText(e)} is left alone: the cluster no longer serves ${e.kind} in ${e.apiVersion}`,
  });
  return undefined;
}
