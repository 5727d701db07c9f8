import type { Emit } from '../core/events.js';
import type { Problem } from '../core/problem.js';
import type { ClusterSpec, DeployConfig, InfraInfo } from '../spec/types.js';
import { applyResources } from './kubectl/apply-resources.js';
import type { KubectlOptions } from './kubectl/run-kubectl.js';
import { ROLLOUT_KINDS, waitForRollout, type Workload } from './kubectl/wait-for-rollout.js';
import { checkReplaceable } from './output/check-replaceable.js';
import { writeResourceFiles } from './output/write-resource-files.js';
import { renderIsolated } from './render/isolated-render.js';
import { resourcesOf } from './render/render-template.js';
import { locateInTemplate } from './render/template-location.js';
import { checkResources, type ResourceFile, type ResourceOrigin } from './resources/check-resources.js';
import { preloadSchemas } from './resources/preload-schemas.js';

export interface DeployOptions {
  outDir: string;
  cfg: DeployConfig;
  infra: InfraInfo;
  /** false: skip schema validation (`--no-validate`). */
  validate: boolean;
  /** `--apply`: kubectl to run after writing; `wait` in seconds for `--wait`. */
  apply?: Omit<KubectlOptions, 'emit' | 'signal'> & { wait?: number };
  emit: Emit;
  signal?: AbortSignal;
}

export interface DeployResult {
  files: ResourceFile[];
  warnings: Problem[];
}

/**
 * `deploy` (docs/deploy.md): render the release's deploy template (in a worker, under time and memory limits;
 * the spec is read again there from `spec.files.spec`), check every resource, replace the output
 * directory atomically, then optionally apply and wait. Nothing is written unless every
 * resource passed its checks.
 */
export async function runDeploy(spec: ClusterSpec, opts: DeployOptions): Promise<DeployResult> {
  const rendering = renderIsolated(spec, { cfg: opts.cfg, infra: opts.infra }, opts.signal);
  // This thread would only wait for the worker: load the schemas the checks will need meanwhile.
  if (opts.validate) preloadSchemas(spec.deploy);
  const rendered = await rendering;
  const resources = resourcesOf(spec, rendered);
  await checkReplaceable(opts.outDir);
  const { files, warnings } = await checkResources(resources, {
    validate: opts.validate,
    origin: originOf(spec, resources.length),
  });
  for (const w of warnings) {
    opts.emit({
      kind: 'warning',
      message: w.message + (w.hint !== undefined ? ` (hint: ${w.hint})` : ''),
      ...(w.file !== undefined ? { file: w.file + (w.line !== undefined ? `:${w.line}` : '') } : {}),
      ...(w.path !== undefined && w.path !== '' ? { path: w.path } : {}),
    });
  }
  await writeResourceFiles(opts.outDir, files, opts.emit);

  if (opts.apply !== undefined) {
    const kubectl: KubectlOptions = {
      ...opts.apply,
      emit: opts.emit,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    };
    await applyResources(opts.outDir, kubectl);
    if (opts.apply.wait !== undefined) await waitForRollout(workloadsOf(files), opts.apply.wait, kubectl);
  }
  return { files, warnings };
}

/**
 * Resource `i` of the result is entry `i` of the template's `resources` only when that is a
 * plain list of the same length; otherwise (`$map`, `$flatten`, …) point at the list itself.
 */
function originOf(spec: ClusterSpec, count: number): ResourceOrigin {
  const template = spec.deploy as Record<string, unknown> | null;
  const list = typeof template === 'object' && template !== null ? template['resources'] : undefined;
  const literal = Array.isArray(list) && list.length === count;
  return (index) => {
    const where = locateInTemplate(spec, literal ? ['resources', index] : ['resources']);
    return { ...where, path: (spec.files.form === 'json' ? 'deploy.' : '') + `resources[${index}]` };
  };
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
