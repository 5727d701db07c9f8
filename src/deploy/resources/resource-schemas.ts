import { OnceByKey } from '../../core/once-by-key.js';
import { formatPath } from '../../core/problem.js';

/** Checks one resource against its official schema; returns the violations (empty: valid). */
export type SchemaCheck = (resource: Record<string, unknown>) => SchemaViolation[];

export interface SchemaViolation {
  /** Field path inside the resource, e.g. `spec.template.spec.containers[0].name`. */
  path: string;
  /** The same path as segments: `['spec', 'template', 'spec', 'containers', 0, 'name']`. */
  at: Array<string | number>;
  /** A required field is missing (at `at`); otherwise the value at `at` is wrong. */
  missing: boolean;
  message: string;
}

interface ModelClass {
  apiVersion?: string;
  kind?: string;
  prototype: { validate(this: Record<string, unknown>): void };
}

interface AjvError {
  instancePath: string;
  message?: string;
  params?: { missingProperty?: string };
}

/** By API version and kind; `load` never rejects, so every answer is kept. */
const schemas = new OnceByKey<string, SchemaCheck | undefined>();

/**
 * The schema check for a built-in kind, or undefined when `kubernetes-models` has none (a
 * custom resource). Each kind's module is imported on first use only: importing all of
 * `kubernetes-models` costs more than validating thousands of resources.
 */
export function schemaFor(apiVersion: string, kind: string): Promise<SchemaCheck | undefined> {
  return schemas.get(`${apiVersion}\u0000${kind}`, () => load(apiVersion, kind));
}

async function load(apiVersion: string, kind: string): Promise<SchemaCheck | undefined> {
  const m = /^(?:([a-z0-9]([a-z0-9.-]*[a-z0-9])?)\/)?(v\d+(?:(?:alpha|beta)\d+)?)$/.exec(apiVersion);
  if (m === null || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  const group = m[1];
  const version = m[3] as string;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(
      `kubernetes-models/${group !== undefined ? `${group}/` : ''}${version}/${kind}`
    )) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const Model = mod[kind] as ModelClass | undefined;
  // Sub-objects such as `DeploymentSpec` have models too, but no apiVersion/kind of their own.
  if (Model === undefined || Model.kind !== kind || Model.apiVersion !== apiVersion) return undefined;
  // `validate` checks `this` against the kind's schema. Called on the resource itself rather
  // than on `new Model(resource)`, which would deep-copy every resource only to drop
  // `undefined` values (JSON has none) and set apiVersion/kind (already equal, checked above).
  const validate = Model.prototype.validate;
  return (resource) => {
    try {
      validate.call(resource);
      return [];
    } catch (e) {
      const errors = (e as { errors?: AjvError[] }).errors;
      if (!Array.isArray(errors))
        return [{ path: '', at: [], missing: false, message: e instanceof Error ? e.message : String(e) }];
      return errors.map(violationOf);
    }
  };
}

function violationOf(err: AjvError): SchemaViolation {
  const segments = err.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = err.params?.missingProperty;
  if (missing !== undefined) segments.push(missing);
  const at = segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return {
    path: formatPath(at),
    at,
    missing: missing !== undefined,
    message: missing !== undefined ? 'is required' : (err.message ?? 'is invalid'),
  };
}
