import type { Problem } from '../../core/problem.js';
import { isUserError } from '../../core/user-error.js';
import type { ClusterSpec, DeployConfig, InfraInfo } from '../../inputs/types.js';
import { isValueError } from './json-e-errors.js';
import { PlaceholderValues } from './placeholder-values.js';
import { describeRenderError, renderTemplate, resourcesOf } from './render-template.js';

export interface TemplateCheck {
  warnings: Problem[];
  problems: Problem[];
  /** When the template rendered: what the resource checks need (check-template.ts). */
  rendered?: RenderedWithStandIns;
}

export interface RenderedWithStandIns {
  /** The rendered `resources`, as plain JSON. */
  resources: unknown[];
  /** A value not given had to stand in as an object (PlaceholderValues.objectsUsed). */
  standInObjects: boolean;
}

/** Enough attempts for a template reading a few dozen values of unusual shapes. */
const MAX_ATTEMPTS = 100;

/**
 * What `validate` learns from rendering a spec's deploy template before any build: build
 * results are stand-ins, and so are `cfg` and `infra` when not given. A render that fails only
 * on stand-ins is one warning naming the values to supply; a broken template (syntax, unknown
 * operator, unknown service, a result without `resources`) is an error.
 */
export function renderWithPlaceholders(
  spec: ClusterSpec,
  given: { cfg?: DeployConfig; infra?: InfraInfo },
): TemplateCheck {
  const stand = new PlaceholderValues();
  let lastError: unknown;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    stand.startAttempt();
    let result: unknown;
    try {
      result = renderTemplate(
        spec,
        { cfg: given.cfg ?? stand.root('cfg'), infra: given.infra ?? stand.root('infra') },
        { placeholders: true },
      );
    } catch (e) {
      lastError = e;
      if (!isValueError(e) || !stand.used) return { warnings: [], problems: problemsOf(spec, e) };
      if (!stand.reshapeLast()) break;
      continue;
    }
    try {
      const resources = resourcesOf(spec, result);
      return {
        warnings: missingWarning(spec, stand, given),
        problems: [],
        // Stand-in objects are Proxies, which cannot be sent to another thread: plain copies.
        rendered: {
          resources: JSON.parse(JSON.stringify(resources)) as unknown[],
          standInObjects: stand.objectsUsed,
        },
      };
    } catch (e) {
      // `resources: {$eval: cfg.list}` is a list once cfg is given; a template without a
      // `resources` key is wrong whatever cfg holds.
      lastError = e;
      if (!stand.used || !hasResourcesKey(result)) return { warnings: [], problems: problemsOf(spec, e) };
      if (!stand.reshapeLast()) break;
    }
  }
  const where = problemsOf(spec, lastError)[0];
  const warning = missingWarning(spec, stand, given)[0] as Problem;
  return {
    warnings: [
      {
        ...warning,
        ...where,
        message: `${warning.message}; with stand-ins the render stopped: ${where?.message ?? ''}`,
      },
    ],
    problems: [],
  };
}

function hasResourcesKey(result: unknown): boolean {
  return typeof result === 'object' && result !== null && Object.hasOwn(result, 'resources');
}

function problemsOf(spec: ClusterSpec, e: unknown): Problem[] {
  return isUserError(e) ? [...e.problems] : [describeRenderError(spec, e)];
}

function missingWarning(
  spec: ClusterSpec,
  stand: PlaceholderValues,
  given: { cfg?: DeployConfig; infra?: InfraInfo },
): Problem[] {
  const missing = stand.missing();
  if (missing.length === 0) return [];
  const options = [
    ...(given.cfg === undefined && missing.some((p) => p.startsWith('cfg')) ? ['--deploy-config'] : []),
    ...(given.infra === undefined && missing.some((p) => p.startsWith('infra')) ? ['--infra-info'] : []),
  ];
  return [
    {
      file: spec.files.deploy,
      message: `the deploy template needs values that were not given: ${missing.join(', ')}`,
      hint: `supply them with ${options.join(' and ')} to check the template fully`,
    },
  ];
}
