import type { Emit } from '../core/events.js';
import type { Problem } from '../core/problem.js';
import type { ClusterSpec, DeployConfig, InfraInfo } from '../inputs/types.js';
import {
  planApply,
  pruneRemoved,
  recordApplied,
  resourceRef,
  type InventoryOptions,
} from './apply-with-inventory.js';
import { diffResources, emitDiff } from './diff/diff-resources.js';
import { readOutputDir } from './diff/read-output-dir.js';
import type { InventoryLocation } from './inventory/inventory.js';
import type { PruneGuard } from './inventory/plan-prune.js';
import { applyResources } from './kubectl/apply-resources.js';
import type { KubectlOptions } from './kubectl/run-kubectl.js';
import { ROLLOUT_KINDS, waitForRollout, type Workload } from './kubectl/wait-for-rollout.js';
import { checkReplaceable } from './output/check-replaceable.js';
import { writeResourceFiles } from './output/write-resource-files.js';
import { renderResources, warningEvent } from './render-resources.js';
import type { ResourceFile } from './resources/check-resources.js';

export interface ApplyOptions extends Omit<KubectlOptions, 'emit' | 'signal'> {
  /** `--wait`, in seconds. */
  wait?: number;
  /** Where the installation's inventory lives (`--installation`, `--inventory-namespace`). */
  inventory: InventoryLocation;
  /** `--prune`, with its guard. */
  prune?: PruneGuard;
  /** `--dry-run`: list what would be applied (and deleted); write and change nothing. */
  dryRun?: boolean;
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
 * output, replace the output directory atomically, then optionally apply (recording the
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
  if (apply?.dryRun === true) {
    opts.emit({ kind: 'apply-planned', files: files.map((f) => f.fileName) });
    if (apply.prune !== undefined) {
      const plan = await planApply(files, inventoryOptions(apply), kubectlOf(opts, apply));
      opts.emit({ kind: 'prune-planned', dryRun: true, resources: plan.deletions.map(resourceRef) });
    }
    return { files, warnings, written: false };
  }
  await writeResourceFiles(opts.outDir, files, opts.emit, opts.signal);
  if (apply !== undefined) {
    const kubectl = kubectlOf(opts, apply);
    const plan = await planApply(files, inventoryOptions(apply), kubectl);
    // kubectl refuses a directory without files; a render of no resources applies nothing.
    if (files.length > 0) await applyResources(opts.outDir, kubectl);
    const recorded = await recordApplied(files.length > 0 ? opts.outDir : undefined, plan, kubectl);
    if (apply.wait !== undefined) await waitForRollout(workloadsOf(files), apply.wait, kubectl);
    if (apply.prune !== undefined) await pruneRemoved(recorded, kubectl);
  }
  return { files, warnings, written: true };
}

function kubectlOf(opts: DeployOptions, apply: ApplyOptions): KubectlOptions {
  return {
    kubectl: apply.kubectl,
    env: apply.env,
    ...(apply.context !== undefined ? { context: apply.context } : {}),
    emit: opts.emit,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  };
}

function inventoryOptions(apply: ApplyOptions): InventoryOptions {
  return { at: apply.inventory, ...(apply.prune !== undefined ? { prune: apply.prune } : {}) };
}

function workloadsOf(files: readonly ResourceFile[]): Workload[] {
  return files
    .filter((f) => ROLLOUT_KINDS.has(f.kind))
    .map((f) => {
      const metadata = f.object['metadata'] as Record<string, unknown>;
      const ns = metadata['namespace'];
      return {
        kind: f.kind,
        name: metadata['name'] as string,
        namespace: typeof ns === 'string' && ns !== '' ? ns : 'default',
      };
    });
}
