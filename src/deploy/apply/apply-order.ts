import { apiGroupOf, type ResourceId } from '../resources/resource-id.js';

/**
 * The order of an apply (docs/deploy.md#order): Namespaces, then CustomResourceDefinitions, then,
 * wave by wave (lowest first), the other cluster-scoped resources and then the namespaced ones.
 * Namespaces and CRDs come before every wave: whatever lives in a namespace or is of a custom
 * kind needs them, whichever wave it is in.
 */
export type Phase = 'namespaces' | 'crds' | 'cluster' | 'namespaced';

export interface Stage<T> {
  phase: Phase;
  /** Absent for the Namespaces and CRDs that precede the waves. */
  wave?: number;
  resources: T[];
}

export interface Ordered {
  id: ResourceId;
  wave: number;
  namespaced: boolean;
}

export const isNamespace = (id: ResourceId) => id.kind === 'Namespace' && apiGroupOf(id.apiVersion) === '';
export const isCrd = (id: ResourceId) =>
  id.kind === 'CustomResourceDefinition' && apiGroupOf(id.apiVersion) === 'apiextensions.k8s.io';

function phaseOf(r: Ordered): Phase {
  if (isNamespace(r.id)) return 'namespaces';
  if (isCrd(r.id)) return 'crds';
  return r.namespaced ? 'namespaced' : 'cluster';
}

/** The stages of an apply, each applied as a whole before the next; empty stages left out. */
export function applyStages<T extends Ordered>(resources: readonly T[]): Array<Stage<T>> {
  const stages: Array<Stage<T>> = [];
  const add = (phase: Phase, rs: T[], wave?: number) => {
    if (rs.length > 0) stages.push({ phase, resources: rs, ...(wave !== undefined ? { wave } : {}) });
  };
  add(
    'namespaces',
    resources.filter((r) => phaseOf(r) === 'namespaces'),
  );
  add(
    'crds',
    resources.filter((r) => phaseOf(r) === 'crds'),
  );
  const waved = resources.filter((r) => phaseOf(r) === 'cluster' || phaseOf(r) === 'namespaced');
  for (const wave of [...new Set(waved.map((r) => r.wave))].sort((a, b) => a - b)) {
    add(
      'cluster',
      waved.filter((r) => r.wave === wave && phaseOf(r) === 'cluster'),
      wave,
    );
    add(
      'namespaced',
      waved.filter((r) => r.wave === wave && phaseOf(r) === 'namespaced'),
      wave,
    );
  }
  return stages;
}

/** Prune's order, the reverse: namespaced resources, other cluster-scoped ones, CRDs, Namespaces. */
export function deletionStages<T extends ResourceId>(resources: readonly T[]): T[][] {
  const rank = (r: T) => (isNamespace(r) ? 3 : isCrd(r) ? 2 : r.namespace === undefined ? 1 : 0);
  return [0, 1, 2, 3].map((n) => resources.filter((r) => rank(r) === n)).filter((g) => g.length > 0);
}
