import jsone from 'json-e';
import type { Problem } from '../../core/problem.js';
import { valueAt } from '../../core/value-at.js';
import { UserError } from '../../core/user-error.js';
import type { ClusterSpec } from '../../inputs/types.js';
import { builtServiceFunction } from './built-service.js';
import { isExpressionError, isJsonEError } from './json-e-errors.js';
import { locatePlainError } from './locate-plain-error.js';
import { locateInTemplate, parseJsonELocation, templatePathOf } from './template-location.js';
import { isPlainObject } from '../../inputs/is-plain-object.js';

export interface RenderContextValues {
  cfg: unknown;
  infra: unknown;
}

/**
 * Renders the spec's deploy template in the context `{cfg, infra, build, builtService}` with
 * JSON-e's clock pinned to the release's creation time, so a release always renders the same.
 * Throws what JSON-e throws; `describeRenderError` turns that into a Problem.
 */
export function renderTemplate(
  spec: ClusterSpec,
  values: RenderContextValues,
  opts: { placeholders?: boolean } = {},
): unknown {
  return jsone(spec.deploy as Record<string, unknown>, renderContext(spec, values, opts)) as unknown;
}

function renderContext(
  spec: ClusterSpec,
  values: RenderContextValues,
  opts: { placeholders?: boolean },
): Record<string, unknown> {
  return {
    cfg: values.cfg,
    infra: values.infra,
    build: spec.rawBuild,
    builtService: builtServiceFunction(spec, opts.placeholders === true),
    now: spec.release?.createdAt ?? new Date().toISOString(),
  };
}

/**
 * A render failure as a Problem naming the template file, YAML line and path. `values`, when
 * given, are those of the failed render: they help find where a plain (location-less) error
 * came from.
 */
export function describeRenderError(spec: ClusterSpec, err: unknown, values?: RenderContextValues): Problem {
  if (!isJsonEError(err)) {
    // json-e also fails with plain errors on some malformed expressions (e.g. `a +`) and on
    // values too deep to copy.
    const message = err instanceof Error ? err.message : String(err);
    const context = values !== undefined ? renderContext(spec, values, {}) : {};
    const path = err instanceof Error ? locatePlainError(spec.deploy, err.message, context) : undefined;
    const expr = path !== undefined ? expressionAt(spec.deploy, path) : undefined;
    return {
      ...(path !== undefined ? locateInTemplate(spec, path) : { file: spec.files.deploy }),
      message:
        `the deploy template could not be rendered: ${message}` +
        (expr !== undefined ? ` (evaluating ${JSON.stringify(expr)})` : ''),
      // A TypeError from json-e's own code means its parser met an expression it cannot read.
      ...(err instanceof TypeError ? { hint: 'the expression is malformed' } : {}),
    };
  }
  const path = templatePathOf(spec.deploy, parseJsonELocation(err.location));
  const expr = expressionAt(spec.deploy, path);
  const message = err.message + (expr !== undefined ? ` (evaluating ${JSON.stringify(expr)})` : '');
  const problem: Problem = { ...locateInTemplate(spec, path), message };
  if (spec.release === undefined && /"(dockerImage|buildKey|imageDigest)"/.test(err.message)) {
    problem.hint = 'this spec is not a release, so it has no images: build it first and deploy the release';
  }
  const literal = isExpressionError(err)
    ? interpolationIn(valueAt(spec.deploy, path), err.message)
    : undefined;
  if (literal !== undefined) {
    problem.hint = `write $${literal} for a literal ${literal}: JSON-e reads every \${…} in a string as an expression, and $\${ stands for a literal \${`;
  }
  return problem;
}

/** The expression text at a template path, when it is a string or an `$eval`. */
function expressionAt(template: unknown, path: ReadonlyArray<string | number>): string | undefined {
  const node = valueAt(template, path);
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && node !== null && '$eval' in node) {
    const e = (node as { $eval: unknown }).$eval;
    return typeof e === 'string' ? e : undefined;
  }
  return undefined;
}

/**
 * The `${…}` that JSON-e failed on, in a string or in a key of an object (keys are
 * interpolated too), up to its `}`: the first that names the unknown value of `message`
 * (`unknown context value HOME`), else the first. `$${` is JSON-e's escape and is skipped.
 */
function interpolationIn(node: unknown, message: string): string | undefined {
  const texts = typeof node === 'string' ? [node] : isPlainObject(node) ? Object.keys(node) : [];
  const found: string[] = [];
  for (const text of texts) {
    for (const m of text.matchAll(/\$?\$\{/g)) {
      if (m[0] !== '${') continue;
      const end = text.indexOf('}', m.index);
      found.push(text.slice(m.index, end === -1 ? undefined : end + 1));
    }
  }
  const name = /^unknown context value (\S+)/.exec(message)?.[1];
  const named = name !== undefined ? found.find((f) => f.slice(2).split(/\W/).includes(name)) : undefined;
  const chosen = named ?? found[0];
  return chosen !== undefined && chosen.length > 60 ? `${chosen.slice(0, 60)}…` : chosen;
}

/** The rendered template's `resources` list; anything else says what the template yielded. */
export function resourcesOf(spec: ClusterSpec, result: unknown): unknown[] {
  if (typeof result === 'object' && result !== null && !Array.isArray(result)) {
    const resources = (result as Record<string, unknown>)['resources'];
    if (Array.isArray(resources)) return resources;
    if (resources !== undefined) {
      throw new UserError({
        ...locateInTemplate(spec, ['resources']),
        message: `must render to a list of resources, but it yielded ${describeValue(resources)}`,
      });
    }
  }
  throw new UserError({
    ...locateInTemplate(spec, []),
    message: `the deploy template must render to an object with a "resources" list, but it yielded ${describeValue(result)}`,
  });
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    return keys.length === 0
      ? 'an empty object'
      : `an object with keys ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}`;
  }
  return `${typeof v === 'string' ? 'a string' : `a ${typeof v}`} (${JSON.stringify(v).slice(0, 40)})`;
}
