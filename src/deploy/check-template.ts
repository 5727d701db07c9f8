import type { Problem } from '../core/problem.js';
import { isUserError } from '../core/user-error.js';
import type { ClusterSpec, DeployConfig, InfraInfo } from '../inputs/types.js';
import { checkTemplateIsolated } from './render/isolated-render.js';
import { isStandInText } from './render/placeholder-values.js';
import { resourceOrigin } from './render-resources.js';
import { checkResources } from './resources/check-resources.js';
import { preloadSchemas } from './resources/preload-schemas.js';

/**
 * What `validate` checks of a spec's deploy template (docs/deploy.md#validate): it renders it
 * with placeholder build results, and stand-ins for a `cfg` or `infra` not given, then checks
 * the resources with deploy's own checks, schemas included. A schema violation that a stand-in
 * explains is not reported: a value that is (or was made from) a stand-in's text, whose real
 * type is unknown, and a missing required field when a stand-in had to be an object, which the
 * real one may fill. Given `cfg` and `infra`, only build results are stand-ins, and they are
 * strings where real ones are.
 */
export async function checkTemplate(
  spec: ClusterSpec,
  given: { cfg?: DeployConfig; infra?: InfraInfo },
  signal?: AbortSignal,
): Promise<{ warnings: Problem[]; problems: Problem[] }> {
  const rendering = checkTemplateIsolated(spec, given, signal);
  // This thread would only wait for the worker: load the schemas the checks will need meanwhile.
  preloadSchemas(spec.deploy);
  const { warnings, problems, rendered } = await rendering;
  if (rendered === undefined) return { warnings, problems };
  try {
    const checked = await checkResources(rendered.resources, {
      validate: true,
      origin: resourceOrigin(spec, rendered.resources.length),
      excuse: (v, value) => isStandInText(value) || (v.missing && rendered.standInObjects),
    });
    return { warnings: [...warnings, ...checked.warnings], problems };
  } catch (e) {
    if (!isUserError(e)) throw e;
    return { warnings, problems: [...problems, ...e.problems] };
  }
}
