import type { Problem } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import { resourceText, type ResourceId } from '../resources/resource-id.js';
import type { InventoryEntry } from './inventory.js';

/** Kinds whose deletion takes more along: everything in a Namespace, a claim's data, every custom resource of a CRD. */
export const PROTECTED_KINDS = ['Namespace', 'PersistentVolumeClaim', 'CustomResourceDefinition'] as const;

export interface PruneGuard {
  maxDeletions: number;
  /** Protected kinds that may be deleted (`--allow-delete`). */
  allowDelete: readonly string[];
}

/**
 * The inventory entries the new render no longer has. The match ignores the API group, so a
 * move from `extensions/v1beta1` to `apps/v1` (the same object on the server) never deletes
 * what was just applied; a kind and name in two groups is kept rather than risked. `rendered`
 * carries the namespace each resource is applied in (the cluster's default filled in for those
 * whose template names none); cluster-scoped ones have none.
 */
export function pruneCandidates(
  entries: readonly InventoryEntry[],
  rendered: readonly ResourceId[],
): InventoryEntry[] {
  return entries.filter((e) => !rendered.some((r) => sameKindAndName(r, e) && r.namespace === e.namespace));
}

export interface Deletions {
  deletions: InventoryEntry[];
  /** Why a candidate that still exists is left alone. */
  kept: string[];
}

/**
 * Of the candidates, those to delete: ones that still exist, are the very object deploy applied
 * (same uid, when one was recorded) and are not in another installation's inventory.
 */
export function selectDeletions(
  candidates: readonly InventoryEntry[],
  live: readonly InventoryEntry[],
  others: ReadonlyArray<{ installation: string; entries: readonly InventoryEntry[] }>,
): Deletions {
  const out: Deletions = { deletions: [], kept: [] };
  for (const c of candidates) {
    const now = live.find((x) => sameKindAndName(x, c) && x.namespace === c.namespace);
    if (now === undefined) continue;
    if (c.uid !== undefined && now.uid !== c.uid) {
      out.kept.push(
        `${resourceText(c)} is not deleted: it was made again since deploy applied it (uid ${now.uid ?? '?'}, recorded ${c.uid})`,
      );
      continue;
    }
    const owner = others.find((o) =>
      o.entries.some((e) => sameKindAndName(e, c) && e.namespace === c.namespace),
    );
    if (owner !== undefined) {
      out.kept.push(`${resourceText(c)} is not deleted: installation ${owner.installation} applied it too`);
      continue;
    }
    out.deletions.push(now);
  }
  return out;
}

/**
 * The blast-radius guard: more than `maxDeletions` deletions, or any of a protected kind that
 * `allowDelete` does not name, refuses the whole prune, listing every deletion.
 */
export function checkPruneGuard(deletions: readonly InventoryEntry[], guard: PruneGuard): void {
  const problems: Problem[] = [];
  if (deletions.length > guard.maxDeletions) {
    problems.push({
      message: `refusing to prune: it would delete ${deletions.length} resources, more than --max-deletions ${guard.maxDeletions}`,
      hint: `if they should all go, run again with --max-deletions ${deletions.length}`,
    });
  }
  for (const kind of PROTECTED_KINDS) {
    const hit = deletions.filter((d) => d.kind === kind);
    if (hit.length === 0 || guard.allowDelete.includes(kind)) continue;
    problems.push({
      message: `refusing to prune: it would delete ${hit.map(resourceText).join(', ')}, and deleting a ${kind} needs --allow-delete ${kind}`,
      hint: 'deleting a Namespace deletes everything in it, a PersistentVolumeClaim its data, a CustomResourceDefinition every resource of its kind',
    });
  }
  if (problems.length === 0) return;
  throw new UserError(problems, {
    details: [
      'nothing was applied or deleted; the prune would delete:',
      ...deletions.map((d) => `  ${resourceText(d)}`),
    ],
  });
}

function sameKindAndName(a: ResourceId, b: ResourceId): boolean {
  return a.kind === b.kind && a.name === b.name;
}
