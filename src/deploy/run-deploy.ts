import type { Emit } from '../core/events.js';
import type { Problem } from '../core/problem.js';
import type { ClusterSpec, DeployConfig, InfraInfo } from '../inputs/types.js';
import { applyRelease } from './apply-release.js';
import { planApply, pruneRemoved, recordApplied, type InventoryOptions } from './apply-with-inventory.js';
import { openCluster, type ClusterSession } from './cluster/cluster-session.js';
import type { KubectlOptions } from './cluster/run-kubectl.js';
import { diffResources, emitDiff } from './diff/diff-resources.js';
import { readOutputDir } from './diff/read-output-dir.js';
import type { InventoryEntry, InventoryLocation } from './inventory/inventory.js';
import type { PruneGuard } from './inventory/plan-prune.js';
import { checkReplaceable } from './output/check-replaceable.js';
import { writeResourceFiles } from './output/write-resource-files.js';
import { renderResources, warningEvent } from './render-resources.js';
import type { ResourceFile } from './resources/check-resources.js';
import { resourceRef } from './resources/resource-id.js';
import { resolveTargets } from './resolve-targets.js';

export interface ApplyOptions extends Omit<KubectlOptions, 'emit' | 'signal'> {
  /** `--wait`, in seconds. */
  wait?: number;
  /** Where the installation's inventory lives (`--installation`, `--inventory-namespace`). */
  inventory: InventoryLocation;
  /** `--prune`, with its guard. */
  prune?: PruneGuard;
  /** `--dry-run`: ask the server what applying would do (and what a prune would delete); write and change nothing. */
  dryRun?: boolean;
  /** `--force-conflicts`: take over fields another field manager set. */
  forceConflicts?: boolean;
}

export interface DeployOptions {
  outDir: string;
  cfg: DeployConfig;
  infra: InfraInfo;
  /** false: skip schema validation (`--no-validate`). */
  validate: boolean;
  /** `--diff-against`: an earlier output directory, compared before the output is replaced. */
  diffAgainst?: string;
  /** `--apply` and what goes with it. */
  apply?: ApplyOptions;
  emit: Emit;
  signal?: AbortSignal;
}

export interface DeployResult {
  files: ResourceFile[];
  warnings: Problem[];
  /** false for `--dry-run`, which writes nothing. */
  written: boolean;
}

/**
 * `deploy` (docs/deploy.md): render and check every resource, optionally diff against an earlier
 * output, replace the output directory atomically, then optionally apply in order (recording the
 * inventory), wait, and prune. Nothing is written unless every resource passed its checks.
 */
export async function runDeploy(spec: ClusterSpec, opts: DeployOptions): Promise<DeployResult> {
  const { files, warnings } = await renderResources(spec, {
    cfg: opts.cfg,
    infra: opts.infra,
    validate: opts.validate,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
  await checkReplaceable(opts.outDir);
  for (const w of warnings) opts.emit(warningEvent(w));
  if (opts.diffAgainst !== undefined) {
    const before = await readOutputDir(opts.diffAgainst, opts.signal);
    const after = files.map((f) => ({ file: f.fileName, object: f.object }));
    emitDiff(diffResources(before, after, { before: opts.diffAgainst, after: opts.outDir }), opts.emit);
  }
  const apply = opts.apply;
  if (apply?.dryRun !== true) await writeResourceFiles(opts.outDir, files, opts.emit, opts.signal);
  if (apply !== undefined) await withCluster(opts, apply, (session) => applyToCluster(session, files, apply));
  return { files, warnings, written: apply?.dryRun !== true };
}

async function withCluster(
  opts: DeployOptions,
  apply: ApplyOptions,
  work: (s: ClusterSession) => Promise<void>,
): Promise<void> {
  const session = await openCluster({
    kubectl: apply.kubectl,
    env: apply.env,
    ...(apply.context !== undefined ? { context: apply.context } : {}),
    emit: opts.emit,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
  try {
    await work(session);
  } finally {
    await session.close();
  }
}

/**
 * Plans the inventory and the prune (refusing before any change), applies, records what was
 * applied (also when a wave failed after some of it was applied), then prunes. A dry run asks
 * the server what each apply would do and changes nothing.
 */
async function applyToCluster(
  session: ClusterSession,
  files: readonly ResourceFile[],
  apply: ApplyOptions,
): Promise<void> {
  const targets = await resolveTargets(files, session.discovery, session.defaultNamespace);
  const inventory: InventoryOptions = {
    at: apply.inventory,
    ...(apply.prune !== undefined ? { prune: apply.prune } : {}),
  };
  const plan = await planApply(
    targets.map((t) => t.id),
    inventory,
    session,
  );
  const options = {
    forceConflicts: apply.forceConflicts === true,
    dryRun: apply.dryRun === true,
    ...(apply.wait !== undefined ? { wait: apply.wait } : {}),
  };
  if (apply.dryRun === true) {
    session.emit({ kind: 'apply-planned', files: files.map((f) => f.fileName) });
    await applyRelease(session, targets, options, []);
    if (apply.prune !== undefined)
      session.emit({ kind: 'prune-planned', dryRun: true, resources: plan.deletions.map(resourceRef) });
    return;
  }
  const applied: InventoryEntry[] = [];
  try {
    await applyRelease(session, targets, options, applied);
  } catch (e) {
    if (applied.length > 0) await recordApplied(applied, plan, session);
    throw e;
  }
  const recorded = await recordApplied(applied, plan, session);
  if (apply.prune !== undefined) await pruneRemoved(recorded, session);
}
