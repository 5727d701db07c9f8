import type { Step } from './step.js';

/**
 * Every structural problem of a graph, found before anything runs: duplicate ids, unknown
 * dependencies, unknown pools and cycles (each cycle named by its steps).
 */
export function checkGraph(steps: readonly Step[], pools: Readonly<Record<string, number>>): string[] {
  const problems: string[] = [];
  const byId = new Map<string, Step>();
  for (const s of steps) {
    if (byId.has(s.id)) problems.push(`duplicate step id "${s.id}"`);
    byId.set(s.id, s);
  }
  for (const s of steps) {
    for (const d of s.deps) if (!byId.has(d)) problems.push(`step "${s.id}" depends on unknown step "${d}"`);
    const limit = pools[s.pool];
    if (limit === undefined || !(limit >= 1)) problems.push(`step "${s.id}" uses unknown pool "${s.pool}"`);
  }
  problems.push(...findCycles(byId));
  return problems;
}

/** Depth-first search; each back edge closes one cycle, reported once. */
function findCycles(byId: ReadonlyMap<string, Step>): string[] {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'active');
    stack.push(id);
    for (const d of byId.get(id)?.deps ?? []) {
      if (!byId.has(d)) continue;
      const st = state.get(d);
      if (st === 'active')
        cycles.push(`dependency cycle: ${[...stack.slice(stack.indexOf(d)), d].join(' -> ')}`);
      else if (st === undefined) visit(d);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of byId.keys()) if (!state.has(id)) visit(id);
  return cycles;
}
