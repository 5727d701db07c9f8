import type { ServerResponse } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import {
  failure,
  invalid,
  namespaceNotFound,
  notFound,
  qualifiedResource,
  type StatusFailure,
} from './api-status.js';
import { initialStatus, jobDefaults, progress, type StatusHost } from './controllers.js';
import { pathText } from './field-set.js';
import { managedAfterUpdate, serverSideApply } from './managed-fields.js';
import type { ObjectStore } from './object-store.js';
import { jsonMergePatch, jsonPatch, strategicMergePatch } from './patches.js';
import { apiVersionOf, BUILTIN_TYPES, gvPath, type ResourceType } from './resource-types.js';
import { watchCollection } from './watch.js';
import { objectErrors, updateErrors } from './write-rules.js';

type Obj = Record<string, unknown>;

export interface DoubleState {
  store: ObjectStore;
  /** What is served now: the built-in kinds and those of Established CRDs. */
  types: ResourceType[];
  host: StatusHost;
  now: () => string;
  uids: number;
  schedule: (ms: number, fn: () => void) => void;
}

export interface Target {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
}

export interface RequestInfo {
  contentType: string | undefined;
  userAgent: string | undefined;
  body: unknown;
}

type Answer = { code: number; body: unknown } | StatusFailure;

const meta = (o: Obj) => (o['metadata'] ??= {}) as Obj;

export function keyOf(state: DoubleState, t: Target, name: string): string {
  const primary = state.types.find((x) => x.group === t.type.group && x.name === t.type.name) ?? t.type;
  return `${gvPath(primary)}${t.namespace !== undefined ? `/namespaces/${t.namespace}` : ''}/${t.type.name}/${name}`;
}

function parseTarget(types: readonly ResourceType[], path: string): Target | undefined {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
    path,
  );
  if (m === null) return undefined;
  const group = m[1] !== undefined ? '' : (m[2] as string);
  const version = m[1] ?? (m[3] as string);
  const type = types.find((t) => t.group === group && t.version === version && t.name === m[5]);
  if (type === undefined || (m[4] !== undefined && !type.namespaced)) return undefined;
  return { type, namespace: m[4], name: m[6] };
}

/** Answers a request for objects; false when the path names no kind that is served. */
export function objectRequest(
  state: DoubleState,
  method: string,
  url: URL,
  req: RequestInfo,
  res: ServerResponse,
): boolean {
  const t = parseTarget(state.types, url.pathname);
  if (t === undefined) return false;
  if (method === 'GET' && t.name === undefined) {
    if (['1', 'true'].includes(url.searchParams.get('watch') ?? ''))
      watchCollection(state, t, url.searchParams, res);
    else reply(res, list(state, t, url.searchParams));
    return true;
  }
  reply(res, write(state, method, t, url.searchParams, req));
  return true;
}

function reply(res: ServerResponse, a: Answer): void {
  res.writeHead(a.code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(a.body));
}

function write(state: DoubleState, method: string, t: Target, q: URLSearchParams, req: RequestInfo): Answer {
  if (t.name === undefined)
    return method === 'POST'
      ? create(state, t, q, req)
      : failure(405, 'MethodNotAllowed', `${method} is not supported on a collection`);
  const key = keyOf(state, t, t.name);
  const live = state.store.objects.get(key);
  if (method === 'GET') return live !== undefined ? { code: 200, body: live } : notFound(t.type, t.name);
  if (method === 'PATCH' && req.contentType?.startsWith('application/apply-patch') === true)
    return apply(state, t, q, req, live);
  if (live === undefined) return notFound(t.type, t.name);
  if (method === 'PUT') return update(state, t, q, req, live, req.body as Obj);
  if (method === 'PATCH') return patch(state, t, q, req, live);
  if (method === 'DELETE') return remove(state, t, key, live, req.body);
  return failure(405, 'MethodNotAllowed', `${method} is not supported`);
}

export function matchesSelectors(o: Obj, q: URLSearchParams): boolean {
  const m = meta(o);
  const fields = (q.get('fieldSelector') ?? '').split(',').filter((x) => x !== '');
  for (const f of fields) {
    const [k, v] = f.split('=') as [string, string];
    if (k === 'metadata.name' && m['name'] !== v) return false;
    if (k === 'metadata.namespace' && m['namespace'] !== v) return false;
  }
  const labels = (m['labels'] ?? {}) as Record<string, string>;
  return (q.get('labelSelector') ?? '')
    .split(',')
    .filter((r) => r !== '')
    .every((r) => {
      const x = /^(!?)([^!=]+)(?:(!=|==|=)(.*))?$/.exec(r);
      if (x === null) throw new Error(`label selector ${r} is not supported by the test double`);
      const [, not, k = '', op, v] = x;
      if (op === undefined) return k in labels !== (not === '!');
      return op === '!=' ? labels[k] !== v : labels[k] === v;
    });
}

/** The objects of a collection (a namespace's, or all namespaces'), in key order. */
export function membersOf(state: DoubleState, t: Target): Array<[string, Obj]> {
  return [...state.store.objects.entries()]
    .filter(([k]) => inCollection(state, t, k))
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Whether the object at `key` belongs to the collection `t` names (its namespace's, or all). */
export function inCollection(state: DoubleState, t: Target, key: string): boolean {
  const prefix = gvPath(
    state.types.find((x) => x.group === t.type.group && x.name === t.type.name) ?? t.type,
  );
  if (!key.startsWith(prefix + '/')) return false;
  const m = /^(?:\/namespaces\/([^/]+))?\/([^/]+)\/[^/]+$/.exec(key.slice(prefix.length));
  return m !== null && m[2] === t.type.name && (t.namespace === undefined || m[1] === t.namespace);
}

function list(state: DoubleState, t: Target, q: URLSearchParams): Answer {
  // As a real server lists built-in kinds: the items carry no apiVersion or kind (custom ones do).
  const builtin = BUILTIN_TYPES.includes(t.type);
  const items = membersOf(state, t)
    .map(([, o]) => o)
    .filter((o) => matchesSelectors(o, q))
    .map(({ apiVersion, kind, ...rest }) => (builtin ? rest : { apiVersion, kind, ...rest }));
  return {
    code: 200,
    body: {
      kind: `${t.type.kind}List`,
      apiVersion: apiVersionOf(t.type),
      metadata: { resourceVersion: String(state.store.resourceVersion) },
      items,
    },
  };
}

/** Where a namespaced write may not go: a Namespace that does not exist, or one being deleted. */
function namespaceProblem(state: DoubleState, t: Target, creating: boolean): StatusFailure | undefined {
  if (t.namespace === undefined) return undefined;
  const ns = state.store.objects.get(`/api/v1/namespaces/${t.namespace}`);
  if (ns === undefined) return namespaceNotFound(t.namespace);
  if (creating && meta(ns)['deletionTimestamp'] !== undefined)
    return failure(
      403,
      'Forbidden',
      `${t.type.name} "${t.name ?? ''}" is forbidden: unable to create new content in namespace ${t.namespace} because it is being terminated`,
      { name: t.name ?? '', kind: t.type.name },
    );
  return undefined;
}

/** The manager of a write: `fieldManager`, else the client's name from its User-Agent. */
function managerOf(q: URLSearchParams, req: RequestInfo): string {
  return q.get('fieldManager') ?? (req.userAgent ?? 'unknown').split('/')[0] ?? 'unknown';
}

function identityProblem(t: Target, o: unknown, name: string | undefined): StatusFailure | undefined {
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    return failure(400, 'BadRequest', 'the body of the request was not an object');
  const x = o as Obj;
  if (x['apiVersion'] !== apiVersionOf(t.type) || x['kind'] !== t.type.kind)
    return failure(
      400,
      'BadRequest',
      `the API version in the data (${String(x['apiVersion'])}) does not match the expected API version (${apiVersionOf(t.type)})`,
    );
  const m = (x['metadata'] ?? {}) as Obj;
  if (typeof m['name'] !== 'string' || m['name'] === '')
    return invalid(t.type, '', [
      {
        type: 'FieldValueInvalid',
        field: 'metadata.name',
        body: 'Required value: name or generateName is required',
      },
    ]);
  if (name !== undefined && m['name'] !== name)
    return failure(
      400,
      'BadRequest',
      `the name of the object (${String(m['name'])}) does not match the name on the URL (${name})`,
    );
  if (m['namespace'] !== undefined && t.namespace !== undefined && m['namespace'] !== t.namespace)
    return failure(
      400,
      'BadRequest',
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  return undefined;
}

function create(state: DoubleState, t: Target, q: URLSearchParams, req: RequestInfo): Answer {
  const bad = identityProblem(t, req.body, undefined);
  if (bad !== undefined) return bad;
  const o = structuredClone(req.body) as Obj;
  const name = meta(o)['name'] as string;
  const target = { ...t, name };
  const nsProblem = namespaceProblem(state, target, true);
  if (nsProblem !== undefined) return nsProblem;
  const existing = state.store.objects.get(keyOf(state, t, name));
  if (existing !== undefined)
    return failure(
      409,
      'AlreadyExists',
      `${meta(existing)['deletionTimestamp'] !== undefined ? 'object is being deleted: ' : ''}${qualifiedResource(t.type)} "${name}" already exists`,
      { name, group: t.type.group, kind: t.type.name },
    );
  return store(state, target, undefined, o, managerOf(q, req), q, 201);
}

/** Validates and stores a new version of an object (undefined `live`: it is created). */
function store(
  state: DoubleState,
  t: Target & { name: string },
  live: Obj | undefined,
  next: Obj,
  manager: string,
  q: URLSearchParams,
  code: number,
  managed?: unknown[],
): Answer {
  const errors = [
    ...(live !== undefined ? updateErrors(t.type.kind, live, next) : []),
    ...objectErrors(next),
  ];
  if (errors.length > 0) return invalid(t.type, t.name, errors);
  const m = meta(next);
  const old = live !== undefined ? meta(live) : undefined;
  const spec = (o: Obj) =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !['metadata', 'status'].includes(k)));
  Object.assign(m, {
    name: t.name,
    ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
    uid: old?.['uid'] ?? `uid-${++state.uids}`,
    resourceVersion: old?.['resourceVersion'],
    generation:
      old === undefined
        ? 1
        : Number(old['generation'] ?? 1) + (isDeepStrictEqual(spec(live as Obj), spec(next)) ? 0 : 1),
    creationTimestamp: old?.['creationTimestamp'] ?? state.now(),
    managedFields: managed ?? managedAfterUpdate(live, next, manager, apiVersionOf(t.type), state.now()),
  });
  if (t.type.statusSubresource) {
    if (live?.['status'] !== undefined) next['status'] = live['status'];
    else delete next['status'];
  }
  if (live === undefined && t.type.kind === 'Job') jobDefaults(next);
  const first = live === undefined ? initialStatus(t.type.kind, next) : undefined;
  if (first !== undefined) next['status'] = first;
  if (live !== undefined && isDeepStrictEqual(withoutTimes(live), withoutTimes(next)))
    return { code: 200, body: live };
  if (q.get('dryRun') === 'All') return { code, body: next };
  const key = keyOf(state, t, t.name);
  const stored = state.store.put(key, next);
  if (live === undefined || meta(stored)['generation'] !== old?.['generation'])
    progress(state.host, t.type.kind, key, stored);
  return { code, body: stored };
}

/** An object without the times in its managedFields: a write that changes nothing else is no change. */
function withoutTimes(o: Obj): Obj {
  const m = meta(o);
  const managed = ((m['managedFields'] ?? []) as Obj[]).map(({ time: _, ...e }) => e);
  return { ...o, metadata: { ...m, managedFields: managed } };
}

function preconditionFailed(t: Target, live: Obj, next: Obj): StatusFailure | undefined {
  const rv = meta(next)['resourceVersion'];
  if (rv === undefined || rv === meta(live)['resourceVersion']) return undefined;
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(t.type)} "${t.name ?? ''}": the object has been modified; please apply your changes to the latest version and try again`,
    { name: t.name ?? '', group: t.type.group, kind: t.type.name },
  );
}

function update(
  state: DoubleState,
  t: Target,
  q: URLSearchParams,
  req: RequestInfo,
  live: Obj,
  next: Obj,
): Answer {
  const bad =
    identityProblem(t, next, t.name) ??
    namespaceProblem(state, t, false) ??
    preconditionFailed(t, live, next);
  if (bad !== undefined) return bad;
  return store(
    state,
    { ...t, name: t.name as string },
    live,
    structuredClone(next),
    managerOf(q, req),
    q,
    200,
  );
}

function patch(state: DoubleState, t: Target, q: URLSearchParams, req: RequestInfo, live: Obj): Answer {
  let next: Obj;
  try {
    if (req.contentType?.startsWith('application/json-patch+json') === true) next = jsonPatch(live, req.body);
    else if (req.contentType?.startsWith('application/merge-patch+json') === true)
      next = jsonMergePatch(live, req.body) as Obj;
    else if (req.contentType?.startsWith('application/strategic-merge-patch+json') === true)
      next = strategicMergePatch(live, req.body) as Obj;
    else
      return failure(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  } catch (e) {
    return failure(
      422,
      'Invalid',
      `the server rejected our request due to an error in our request: ${(e as Error).message}`,
    );
  }
  const bad = preconditionFailed(t, live, next);
  if (bad !== undefined) return bad;
  const managed =
    req.contentType?.startsWith('application/json-patch+json') === true &&
    !isDeepStrictEqual(meta(next)['managedFields'], meta(live)['managedFields'])
      ? (meta(next)['managedFields'] as unknown[])
      : undefined;
  return store(state, { ...t, name: t.name as string }, live, next, managerOf(q, req), q, 200, managed);
}

function apply(
  state: DoubleState,
  t: Target,
  q: URLSearchParams,
  req: RequestInfo,
  live: Obj | undefined,
): Answer {
  const manager = q.get('fieldManager');
  if (manager === null || manager === '')
    return failure(400, 'BadRequest', 'PATCH, application/apply-patch+yaml requires fieldManager to be set');
  let config: unknown;
  try {
    config = typeof req.body === 'string' ? parseYaml(req.body) : req.body;
  } catch (e) {
    return failure(400, 'BadRequest', `error decoding YAML: ${(e as Error).message}`);
  }
  const bad = identityProblem(t, config, t.name) ?? namespaceProblem(state, t, live === undefined);
  if (bad !== undefined) return bad;
  const result = serverSideApply(live, config as Obj, {
    manager,
    force: q.get('force') === 'true',
    now: state.now(),
  });
  if ('conflicts' in result)
    return conflict(
      t,
      result.conflicts.map((c) => ({
        manager: c.manager.manager,
        operation: c.manager.operation,
        apiVersion: c.manager.apiVersion,
        path: pathText(c.path),
      })),
    );
  return store(
    state,
    { ...t, name: t.name as string },
    live,
    result.object,
    manager,
    q,
    live === undefined ? 201 : 200,
    result.managedFields,
  );
}

/** 409 as the apiserver's `NewConflictError` words it (internal/conflict.go). */
function conflict(
  t: Target,
  conflicts: Array<{ manager: string; operation: string; apiVersion: string; path: string }>,
): StatusFailure {
  const who = (c: (typeof conflicts)[number]) =>
    `${JSON.stringify(c.manager)}${c.operation === 'Update' ? ` using ${c.apiVersion}` : ''}`;
  let message: string;
  if (conflicts.length === 1)
    message = `Apply failed with 1 conflict: conflict with ${who(conflicts[0] as (typeof conflicts)[number])}: ${conflicts[0]?.path ?? ''}`;
  else {
    const managers = [...new Set(conflicts.map(who))].sort();
    const lines = managers.flatMap((m) => [
      `conflicts with ${m}:`,
      ...conflicts.filter((c) => who(c) === m).map((c) => `- ${c.path}`),
    ]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return failure(409, 'Conflict', message, {
    name: t.name ?? '',
    group: t.type.group,
    kind: t.type.name,
    causes: conflicts.map((c) => ({
      type: 'FieldManagerConflict',
      message: `conflict with ${who(c)}`,
      field: c.path,
    })),
  });
}

function remove(state: DoubleState, t: Target, key: string, live: Obj, body: unknown): Answer {
  const opts = (typeof body === 'object' && body !== null ? body : {}) as Obj;
  const pre = (opts['preconditions'] ?? {}) as Obj;
  const m = meta(live);
  if (pre['uid'] !== undefined && pre['uid'] !== m['uid'])
    return failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(t.type)} "${t.name ?? ''}": Precondition failed: UID in precondition: ${String(pre['uid'])}, UID in object meta: ${String(m['uid'])}`,
    );
  if (Array.isArray(opts['dryRun']) && (opts['dryRun'] as unknown[]).includes('All'))
    return { code: 200, body: live };
  const foreground = opts['propagationPolicy'] === 'Foreground' || t.type.kind === 'Namespace';
  if (!foreground) {
    state.store.remove(key);
    return {
      code: 200,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: t.name, group: t.type.group, kind: t.type.name, uid: m['uid'] },
      },
    };
  }
  if (m['deletionTimestamp'] !== undefined) return { code: 202, body: live };
  const finalizer =
    t.type.kind === 'Namespace'
      ? {}
      : { finalizers: [...((m['finalizers'] ?? []) as string[]), 'foregroundDeletion'] };
  const terminating = state.store.put(key, {
    ...live,
    metadata: { ...m, deletionTimestamp: state.now(), deletionGracePeriodSeconds: 0, ...finalizer },
    ...(t.type.kind === 'Namespace' ? { status: { phase: 'Terminating' } } : {}),
  });
  state.schedule(state.host.timing.deleteMs, () => {
    if (t.type.kind === 'Namespace')
      for (const k of [...state.store.objects.keys()])
        if (k.includes(`/namespaces/${t.name ?? ''}/`)) state.store.remove(k);
    state.store.remove(key);
  });
  return { code: 202, body: terminating };
}
