import type { ApplyAction } from '../core/events.js';
import { UserError } from '../core/user-error.js';
import { applyStages, type Stage } from './apply/apply-order.js';
import { applyResource, type ApplyResult } from './apply/apply-resource.js';
import { statusOf } from './cluster/api-error.js';
import type { ClusterSession } from './cluster/cluster-session.js';
import { waitReady } from './readiness/wait-ready.js';
import type { InventoryEntry } from './inventory/inventory.js';
import { resourceRef } from './resources/resource-id.js';
import { versionsOfCrd, type Target } from './resolve-targets.js';

type Obj = Record<string, unknown>;

/** `--wait` without seconds, and how long waves wait for each other without `--wait`. */
export const DEFAULT_WAIT_SECONDS = 300;

export interface ApplyReleaseOptions {
  forceConflicts: boolean;
  dryRun: boolean;
  /** `--wait`, in seconds: wait for the last wave too. */
  wait?: number;
}

/**
 * Applies the release's resources in order (apply-order.ts): each stage as a whole, its
 * resources concurrently; CRDs waited for until Established; each wave waited for until ready
 * before the next (and the last one with `--wait`), so a migration Job completes before the
 * Deployments of the next wave roll. Adds each resource applied, with the uid the server gave it,
 * to `applied` as it goes, so a caller knows what was applied when a later stage fails.
 */
export async function applyRelease(
  session: ClusterSession,
  targets: readonly Target[],
  opts: ApplyReleaseOptions,
  applied: InventoryEntry[],
): Promise<void> {
  const stages = applyStages(targets);
  const waves = [...new Set(stages.flatMap((s) => (s.wave !== undefined ? [s.wave] : [])))];
  const seconds = opts.wait ?? DEFAULT_WAIT_SECONDS;
  const counts: Record<ApplyAction, number> = { created: 0, configured: 0, unchanged: 0, replaced: 0 };
  let waveTargets: Array<{ target: Target; live: Obj }> = [];
  for (const [i, stage] of stages.entries()) {
    if (stage.wave !== undefined && stage.wave !== stages[i - 1]?.wave && waves.length > 1)
      session.emit({
        kind: 'wave-started',
        wave: stage.wave,
        resources: stages.filter((s) => s.wave === stage.wave).reduce((n, s) => n + s.resources.length, 0),
      });
    const results = await applyStage(session, stage, targets, opts);
    for (const { target, result } of results) {
      if ('problem' in result) continue;
      counts[result.action] += 1;
      const uid = (result.live['metadata'] as Obj | undefined)?.['uid'];
      applied.push({ ...target.id, ...(typeof uid === 'string' ? { uid } : {}) });
      session.emit({
        kind: 'resource-applied',
        action: result.action,
        dryRun: opts.dryRun,
        ...resourceRef(target.id),
      });
      waveTargets.push({ target, live: result.live });
    }
    const problems = results.flatMap(({ result }) => ('problem' in result ? [result.problem] : []));
    if (problems.length > 0)
      throw new UserError(problems.sort((a, b) => ((a.file ?? '') < (b.file ?? '') ? -1 : 1)));
    if (opts.dryRun) continue;
    const endOfWave = stage.wave !== undefined && stages[i + 1]?.wave !== stage.wave;
    if (stage.phase === 'crds') await establish(session, waveTargets, seconds);
    else if (endOfWave && (stage.wave !== waves.at(-1) || opts.wait !== undefined))
      await waitFor(session, waveTargets, seconds);
    if (stage.wave === undefined || endOfWave) waveTargets = [];
  }
  session.emit({ kind: 'apply-summary', dryRun: opts.dryRun, ...counts });
}

async function applyStage(
  session: ClusterSession,
  stage: Stage<Target>,
  all: readonly Target[],
  opts: ApplyReleaseOptions,
): Promise<Array<{ target: Target; result: ApplyResult }>> {
  const live = await readLive(session, stage.resources);
  const deadline = Date.now() + 1000 * (opts.wait ?? DEFAULT_WAIT_SECONDS);
  const releaseNamespaces = new Set(all.filter((t) => t.id.kind === 'Namespace').map((t) => t.id.name));
  return await Promise.all(
    stage.resources.map(async (target) => {
      // A dry run cannot ask a server about a kind or a namespace the release itself creates.
      if (opts.dryRun && target.pendingKind)
        return { target, result: { action: 'created' as const, live: target.object } };
      const result = await applyResource(session.client, target, live.get(target.path), {
        ...opts,
        deadline,
      });
      const ns = target.id.namespace;
      const missing =
        'problem' in result && result.problem.message.endsWith(`namespaces "${ns ?? ''}" not found`);
      if (opts.dryRun && missing && ns !== undefined && releaseNamespaces.has(ns))
        return { target, result: { action: 'created' as const, live: target.object } };
      return { target, result };
    }),
  );
}

/** The live objects of a stage's resources, by API path: one list per collection. */
async function readLive(session: ClusterSession, targets: readonly Target[]): Promise<Map<string, Obj>> {
  const out = new Map<string, Obj>();
  const collections = [...new Set(targets.filter((t) => !t.pendingKind).map((t) => t.collection))];
  await Promise.all(
    collections.map(async (collection) => {
      const res = await session.client.request('GET', collection);
      if (res.status === 404) return;
      if (res.status !== 200)
        throw new UserError({ message: `could not read ${collection}: ${statusOf(res).message}` });
      for (const o of (res.body['items'] ?? []) as Obj[])
        out.set(`${collection}/${String((o['metadata'] as Obj)['name'])}`, o);
    }),
  );
  return out;
}

/** After the CRDs: wait until each is Established, then look their kinds up again. */
async function establish(
  session: ClusterSession,
  crds: ReadonlyArray<{ target: Target; live: Obj }>,
  seconds: number,
): Promise<void> {
  await waitFor(session, crds, seconds);
  for (const { live } of crds) for (const v of versionsOfCrd(live)) session.discovery.forget(v);
}

async function waitFor(
  session: ClusterSession,
  targets: ReadonlyArray<{ target: Target; live: Obj }>,
  seconds: number,
): Promise<void> {
  if (targets.length === 0) return;
  await waitReady(
    session.client,
    targets.map(({ target, live }) => ({ id: target.id, collection: target.collection, live })),
    seconds,
    Date.now() + seconds * 1000,
    session.emit,
  );
}
