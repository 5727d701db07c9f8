import type { ResourceType } from './resource-types.js';

/** A `metav1.Status` failure, the body of every error a real API server returns. */
export interface StatusFailure {
  code: number;
  body: Record<string, unknown>;
}

export interface Cause {
  type: string;
  message: string;
  field: string;
}

export function failure(
  code: number,
  reason: string,
  message: string,
  details?: { name?: string; group?: string; kind?: string; causes?: Cause[] },
): StatusFailure {
  return {
    code,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details !== undefined ? { details } : {}),
      code,
    },
  };
}

/** `jobs.batch`, `configmaps`: how a server names a resource in NotFound and Conflict messages. */
export function qualifiedResource(t: ResourceType): string {
  return t.group === '' ? t.name : `${t.name}.${t.group}`;
}

export function notFound(t: ResourceType, name: string): StatusFailure {
  return failure(404, 'NotFound', `${qualifiedResource(t)} "${name}" not found`, {
    name,
    group: t.group,
    kind: t.name,
  });
}

export function namespaceNotFound(namespace: string): StatusFailure {
  return failure(404, 'NotFound', `namespaces "${namespace}" not found`, {
    name: namespace,
    kind: 'namespaces',
  });
}

/** One field error as `field.Error` prints it (`spec.selector: Invalid value: …: field is immutable`). */
export interface FieldError {
  type: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueTooLong';
  field: string;
  /** What follows the type: `Invalid value: …: detail`, `Forbidden: detail`, `Too long: detail`. */
  body: string;
}

/** 422 Invalid: `Job.batch "migrate" is invalid: spec.template: Invalid value: …: field is immutable`. */
export function invalid(t: ResourceType, name: string, errors: FieldError[]): StatusFailure {
  const texts = errors.map((e) => `${e.field}: ${e.body}`);
  const all = texts.length === 1 ? (texts[0] as string) : `[${texts.join(', ')}]`;
  const kind = t.group === '' ? t.kind : `${t.kind}.${t.group}`;
  return failure(422, 'Invalid', `${kind} "${name}" is invalid: ${all}`, {
    name,
    group: t.group,
    kind: t.kind,
    causes: errors.map((e) => ({ type: e.type, message: e.body, field: e.field })),
  });
}
