import type { ResourceRef } from '../../core/events.js';
import { isPlainObject } from '../../inputs/is-plain-object.js';

/**
 * What names one resource: its API version (the group part identifies it, the version is how it
 * was written or read), kind, namespace (absent for cluster-scoped resources, and for rendered
 * ones that name none until the cluster's default is known) and name. Checks, diff, inventory,
 * prune, apply and wait all use this one type, made by `parseResourceId`.
 */
export interface ResourceId {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface IdProblem {
  /** The field, e.g. `metadata.name`. */
  path: string;
  message: string;
}

/**
 * The one parser of a resource's identity, from a Kubernetes object (`apiVersion`, `kind`,
 * `metadata.name`, `metadata.namespace`): its id, or what is wrong with each field.
 */
export function parseResourceId(value: unknown): { id: ResourceId } | { problems: IdProblem[] } {
  if (!isPlainObject(value))
    return { problems: [{ path: '', message: 'must be an object (a Kubernetes resource)' }] };
  const metadata = isPlainObject(value['metadata']) ? value['metadata'] : {};
  const problems: IdProblem[] = [];
  for (const [path, v] of [
    ['apiVersion', value['apiVersion']],
    ['kind', value['kind']],
    ['metadata.name', metadata['name']],
  ] as const) {
    if (typeof v !== 'string' || v === '')
      problems.push({
        path,
        message: v === undefined ? 'is missing' : `must be a non-empty string, not ${typeName(v)}`,
      });
  }
  const ns = metadata['namespace'];
  if (ns !== undefined && typeof ns !== 'string')
    problems.push({ path: 'metadata.namespace', message: `must be a string, not ${typeName(ns)}` });
  if (problems.length > 0) return { problems };
  return {
    id: {
      apiVersion: value['apiVersion'] as string,
      kind: value['kind'] as string,
      ...(typeof ns === 'string' && ns !== '' ? { namespace: ns } : {}),
      name: metadata['name'] as string,
    },
  };
}

/** The id of an object known to be a resource (checked before, or returned by the server). */
export function resourceIdOf(o: Record<string, unknown>): ResourceId {
  const parsed = parseResourceId(o);
  if ('problems' in parsed)
    throw new Error(`not a resource: ${parsed.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
  return parsed.id;
}

/** `apps` for `apps/v1`, `` for the core group's `v1`. */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** API group, kind, namespace and name: one resource, whatever its version. */
export function identityKey(id: ResourceId): string {
  return [apiGroupOf(id.apiVersion), id.kind, id.namespace ?? '', id.name].join('\u0000');
}

/** `Deployment apps/web`, `Namespace tc`: how messages name a resource. */
export function resourceText(id: ResourceId): string {
  return `${id.kind} ${id.namespace !== undefined ? `${id.namespace}/` : ''}${id.name}`;
}

/** The id as the json events carry it. */
export function resourceRef(id: ResourceId): ResourceRef {
  return {
    apiVersion: id.apiVersion,
    resourceKind: id.kind,
    ...(id.namespace !== undefined ? { namespace: id.namespace } : {}),
    name: id.name,
  };
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v} (${JSON.stringify(v)})`;
}
