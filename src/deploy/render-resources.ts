import type { Event } from '../core/events.js';
import type { Problem } from '../core/problem.js';
import type { ClusterSpec, DeployConfig, InfraInfo } from '../inputs/types.js';
import { renderIsolated } from './render/isolated-render.js';
import { resourcesOf } from './render/render-template.js';
import { locateInTemplate } from './render/template-location.js';
import { checkResources, type CheckedResources, type ResourceOrigin } from './resources/check-resources.js';
import { preloadSchemas } from './resources/preload-schemas.js';

/**
 * Renders the spec's deploy template (docs/deploy.md) (in a worker, under time and memory
 * limits; the spec is read again there from `spec.files.spec`) and checks every resource.
 * Writes nothing: `deploy` writes the result, `diff` compares it.
 */
export async function renderResources(
  spec: ClusterSpec,
  opts: { cfg: DeployConfig; infra: InfraInfo; validate: boolean; signal?: AbortSignal },
): Promise<CheckedResources> {
  const rendering = renderIsolated(spec, { cfg: opts.cfg, infra: opts.infra }, opts.signal);
  // This thread would only wait for the worker: load the schemas the checks will need meanwhile.
  if (opts.validate) preloadSchemas(spec.deploy);
  const rendered = await rendering;
  const resources = resourcesOf(spec, rendered);
  return await checkResources(resources, {
    validate: opts.validate,
    origin: resourceOrigin(spec, resources.length),
  });
}

/** A check's warning as an event. */
export function warningEvent(w: Problem): Event {
  return {
    kind: 'warning',
    message: w.message + (w.hint !== undefined ? ` (hint: ${w.hint})` : ''),
    ...(w.file !== undefined ? { file: w.file + (w.line !== undefined ? `:${w.line}` : '') } : {}),
    ...(w.path !== undefined && w.path !== '' ? { path: w.path } : {}),
  };
}

/**
 * Resource `i` of the result is entry `i` of the template's `resources` only when that is a
 * plain list of the same length; otherwise (`$map`, `$flatten`, …) point at the list itself.
 */
export function resourceOrigin(spec: ClusterSpec, count: number): ResourceOrigin {
  const template = spec.deploy as Record<string, unknown> | null;
  const list = typeof template === 'object' && template !== null ? template['resources'] : undefined;
  const literal = Array.isArray(list) && list.length === count;
  return (index) => {
    const where = locateInTemplate(spec, literal ? ['resources', index] : ['resources']);
    return { ...where, path: (spec.files.form === 'json' ? 'deploy.' : '') + `resources[${index}]` };
  };
}
