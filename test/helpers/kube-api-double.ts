import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A test double of the Kubernetes API server, enough for the real `kubectl apply`, `get`,
 * `create`, `replace`, `delete` and `rollout status`: discovery, object GET (404 until
 * created), create (POST, 409 when it exists), replace (PUT, 409 on a stale
 * `resourceVersion`), patch, delete, list (with equality label selectors) and a watch that
 * never reports. No API server can be installed on these machines, so this is the one
 * stand-in in the test suite. It records every request for assertions, and `failNext` makes
 * chosen requests fail.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Which kubeconfig context kubectl used (each context's cluster URL has its own prefix). */
  context: 'double-a' | 'double-b';
  contentType: string | undefined;
  body: unknown;
}

export interface KubeApiDouble {
  url: string;
  /**
   * A kubeconfig with contexts `double-a` (current) and `double-b`, both served here from one
   * store. (kubectl sends no bearer token over plain HTTP, so the contexts differ by URL path.)
   */
  kubeconfig: string;
  /** kubectl's discovery cache, kept out of `~/.kube/cache`. */
  cacheDir: string;
  /** KUBECONFIG and KUBECACHEDIR for a kubectl run against this double. */
  env: Record<string, string>;
  requests: RecordedRequest[];
  /** Created objects by API path, e.g. `/apis/apps/v1/namespaces/default/deployments/web`. */
  objects: Map<string, Record<string, unknown>>;
  /** Whether workloads report their rollout complete (default true). */
  rolloutReady: boolean;
  /** The next `times` requests of `method` to exactly `path` fail with `code`. */
  failNext(method: string, path: string, code: number, times?: number): void;
  /** Runs `action` once, just before the double answers the next `method` request to `path`. */
  onNext(method: string, path: string, action: () => void): void;
  stop(): Promise<void>;
}

interface Fault {
  method: string;
  path: string;
  /** An HTTP status to fail with, or an action to run before answering as usual. */
  effect: number | (() => void);
  times: number;
}

interface ResourceType {
  group: string;
  version: string;
  kind: string;
  name: string;
  namespaced: boolean;
}

const TYPES: ResourceType[] = [
  ...['Service', 'ConfigMap', 'Secret', 'ServiceAccount', 'Pod', 'PersistentVolumeClaim'].map((kind) => ({
    group: '',
    version: 'v1',
    kind,
    name: kind.toLowerCase() + 's',
    namespaced: true,
  })),
  { group: '', version: 'v1', kind: 'Namespace', name: 'namespaces', namespaced: false },
  ...['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].map((kind) => ({
    group: 'apps',
    version: 'v1',
    kind,
    name: kind.toLowerCase() + 's',
    namespaced: true,
  })),
  { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', name: 'ingresses', namespaced: true },
  { group: 'batch', version: 'v1', kind: 'Job', name: 'jobs', namespaced: true },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    name: 'customresourcedefinitions',
    namespaced: false,
  },
];

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export async function startKubeApiDouble(): Promise<KubeApiDouble> {
  const dir = await mkdtemp(join(tmpdir(), `tci-kube-${process.pid}-`));
  const sockets = new Set<Socket>();
  const faults: Fault[] = [];
  const double: KubeApiDouble = {
    url: '',
    kubeconfig: join(dir, 'kubeconfig'),
    cacheDir: join(dir, 'cache'),
    env: {},
    requests: [],
    objects: new Map(),
    rolloutReady: true,
    failNext(method, path, code, times = 1) {
      faults.push({ method, path, effect: code, times });
    },
    onNext(method, path, action) {
      faults.push({ method, path, effect: action, times: 1 });
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(double, faults, req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  double.url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  await writeFile(double.kubeconfig, kubeconfigFor(double.url));
  double.env = { KUBECONFIG: double.kubeconfig, KUBECACHEDIR: double.cacheDir };
  return double;
}

function kubeconfigFor(url: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'double-a',
    clusters: ['a', 'b'].map((x) => ({
      name: `cluster-${x}`,
      cluster: { server: x === 'a' ? url : `${url}/b` },
    })),
    users: [{ name: 'user', user: {} }],
    contexts: ['a', 'b'].map((x) => ({
      name: `double-${x}`,
      context: { cluster: `cluster-${x}`, user: 'user' },
    })),
  });
}

function handle(
  double: KubeApiDouble,
  faults: Fault[],
  req: IncomingMessage,
  res: ServerResponse,
  raw: string,
): void {
  const url = new URL(req.url ?? '/', 'http://double');
  const viaB = url.pathname === '/b' || url.pathname.startsWith('/b/');
  if (viaB) url.pathname = url.pathname.slice(2) || '/';
  const contentType = req.headers['content-type'];
  let body: unknown = raw;
  if (raw !== '' && contentType?.includes('json')) body = JSON.parse(raw);
  double.requests.push({
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    context: viaB ? 'double-b' : 'double-a',
    contentType,
    body,
  });
  const send = (code: number, doc: unknown) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(doc));
  };
  const p = url.pathname;
  const fault = faults.find((f) => f.method === req.method && f.path === p && f.times > 0);
  if (fault !== undefined) {
    fault.times -= 1;
    if (typeof fault.effect === 'function') fault.effect();
    else
      return send(
        fault.effect,
        status(fault.effect, 'InternalError', `injected failure of ${req.method} ${p}`),
      );
  }
  if (p === '/openapi/v3') return send(200, openApiRoot());
  if (p.startsWith('/openapi/v3/')) {
    const doc = openApiFor(p.slice('/openapi/v3'.length));
    return doc !== undefined ? send(200, doc) : send(404, status(404, 'NotFound', `no OpenAPI for ${p}`));
  }
  if (p === '/version')
    return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' });
  if (p === '/api')
    return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  if (p === '/apis') return send(200, groupList());
  const list = resourceList(p);
  if (list !== undefined) return send(200, list);
  const target = parseObjectPath(p);
  if (target === undefined) return send(404, status(404, 'NotFound', `the server could not find ${p}`));
  objectRequest(double, req.method ?? 'GET', url, target, body, send, res);
}

function groupVersionPaths(): string[] {
  return [
    ...new Set(TYPES.map((t) => (t.group === '' ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`))),
  ];
}

/**
 * kubectl apply validates on the server when the OpenAPI v3 document says PATCH of the kind
 * takes `fieldValidation`; the double says so (without schemas), so kubectl needs no client-side
 * schema and sends `fieldValidation=Strict`.
 */
function openApiRoot(): unknown {
  return {
    paths: Object.fromEntries(
      groupVersionPaths().map((gv) => [gv.slice(1), { serverRelativeURL: `/openapi/v3${gv}?hash=double` }]),
    ),
  };
}

function openApiFor(gvPath: string): unknown {
  if (!groupVersionPaths().includes(gvPath)) return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of TYPES.filter(
    (x) => (x.group === '' ? `/api/${x.version}` : `/apis/${x.group}/${x.version}`) === gvPath,
  )) {
    const ns = t.namespaced ? '/namespaces/{namespace}' : '';
    paths[`${gvPath}${ns}/${t.name}/{name}`] = {
      patch: {
        parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
        'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
        responses: {},
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes test double', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
  };
}

function groupList(): unknown {
  const groups = [...new Set(TYPES.filter((t) => t.group !== '').map((t) => `${t.group}/${t.version}`))];
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((gv) => {
      const [name, version] = gv.split('/') as [string, string];
      const v = { groupVersion: gv, version };
      return { name, versions: [v], preferredVersion: v };
    }),
  };
}

function resourceList(path: string): unknown {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (m === null) return undefined;
  const group = m[1] !== undefined ? '' : (m[2] as string);
  const version = m[1] ?? (m[3] as string);
  const types = TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: types.map((t) => ({
      name: t.name,
      singularName: t.kind.toLowerCase(),
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
    })),
  };
}

interface ObjectTarget {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  collection: string;
}

function parseObjectPath(path: string): ObjectTarget | undefined {
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
    path,
  );
  if (m === null) return undefined;
  const group = m[1] ?? '';
  const version = m[2] ?? 'v1';
  const type = TYPES.find((t) => t.group === group && t.version === version && t.name === m[4]);
  if (type === undefined) return undefined;
  const collection = path.slice(0, m[5] !== undefined ? path.length - m[5].length - 1 : path.length);
  return { type, namespace: m[3], name: m[5], collection };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function objectRequest(
  double: KubeApiDouble,
  method: string,
  url: URL,
  t: ObjectTarget,
  body: unknown,
  send: (code: number, doc: unknown) => void,
  res: ServerResponse,
): void {
  if (method === 'GET' && t.name === undefined) {
    if (url.searchParams.get('watch') === 'true') {
      // A watch that never reports a change: kubectl waits until its own timeout.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      return;
    }
    const wanted = /metadata\.name=([^,]+)/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
    const selector = url.searchParams.get('labelSelector') ?? '';
    const items = [...double.objects.entries()]
      .filter(([k]) => isMember(k, t.collection) && (wanted === undefined || k.endsWith('/' + wanted)))
      .filter(([, o]) => matchesLabels(o, selector))
      .map(([, o]) => withStatus(double, t.type, o));
    const apiVersion = t.type.group === '' ? 'v1' : `${t.type.group}/${t.type.version}`;
    return send(200, { kind: `${t.type.kind}List`, apiVersion, metadata: { resourceVersion: '1' }, items });
  }
  const key = `${t.collection}/${t.name ?? ''}`;
  const existing = double.objects.get(key);
  const notFound = () => send(404, status(404, 'NotFound', `${t.type.name} "${t.name}" not found`, t));
  if (method === 'GET') {
    if (existing === undefined) return notFound();
    return send(200, withStatus(double, t.type, existing));
  }
  if (method === 'POST' && t.name === undefined) {
    const o = structuredClone(body) as Record<string, unknown>;
    const meta = (o['metadata'] ?? {}) as Record<string, unknown>;
    const objectKey = `${t.collection}/${String(meta['name'])}`;
    if (double.objects.has(objectKey))
      return send(
        409,
        status(409, 'AlreadyExists', `${t.type.name} "${String(meta['name'])}" already exists`),
      );
    Object.assign(meta, {
      namespace: t.namespace,
      uid: `uid-${++uids}`,
      resourceVersion: String(++resourceVersion),
      generation: 1,
      creationTimestamp: '2024-01-01T00:00:00Z',
    });
    o['metadata'] = meta;
    double.objects.set(objectKey, o);
    return send(201, withStatus(double, t.type, o));
  }
  if (t.name === undefined || existing === undefined)
    return t.name === undefined
      ? send(405, status(405, 'MethodNotAllowed', `${method} on a collection`))
      : notFound();
  const meta = existing['metadata'] as Record<string, unknown>;
  if (method === 'PUT') {
    const o = structuredClone(body) as Record<string, unknown>;
    const given = (o['metadata'] as Record<string, unknown> | undefined)?.['resourceVersion'];
    if (given !== undefined && given !== meta['resourceVersion']) {
      return send(
        409,
        status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${t.type.name} "${t.name}": the object has been modified; please apply your changes to the latest version and try again`,
        ),
      );
    }
    return send(200, withStatus(double, t.type, store(double, key, o, meta)));
  }
  if (method === 'PATCH') {
    // kubectl apply's patch carries the whole new configuration in the last-applied annotation;
    // for an object only kubectl apply manages, the merge result is that configuration.
    const annotations = (
      (body as Record<string, unknown> | null)?.['metadata'] as Record<string, unknown> | undefined
    )?.['annotations'] as Record<string, unknown> | undefined;
    const applied = annotations?.[LAST_APPLIED];
    if (typeof applied !== 'string') return send(200, withStatus(double, t.type, existing));
    const o = JSON.parse(applied) as Record<string, unknown>;
    const newMeta = (o['metadata'] ?? {}) as Record<string, unknown>;
    newMeta['annotations'] = { ...(newMeta['annotations'] as object), [LAST_APPLIED]: applied };
    o['metadata'] = newMeta;
    return send(200, withStatus(double, t.type, store(double, key, o, meta)));
  }
  if (method === 'DELETE') {
    double.objects.delete(key);
    return send(200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: t.name, kind: t.type.name, uid: meta['uid'] },
    });
  }
  send(405, status(405, 'MethodNotAllowed', `${method} is not supported by the test double`));
}

/** `/api/v1/namespaces/x` is in `/api/v1/namespaces`; `/api/v1/namespaces/x/secrets/y` is not. */
function isMember(key: string, collection: string): boolean {
  return key.startsWith(collection + '/') && !key.slice(collection.length + 1).includes('/');
}

let uids = 0;
let resourceVersion = 1;

/** Stores `o` at `key` keeping the server-set metadata of the object it replaces. */
function store(
  double: KubeApiDouble,
  key: string,
  o: Record<string, unknown>,
  old: Record<string, unknown>,
): Record<string, unknown> {
  const meta = (o['metadata'] ?? {}) as Record<string, unknown>;
  o['metadata'] = {
    ...meta,
    namespace: old['namespace'],
    uid: old['uid'],
    creationTimestamp: old['creationTimestamp'],
    resourceVersion: String(++resourceVersion),
    generation: Number(old['generation'] ?? 1) + 1,
  };
  double.objects.set(key, o);
  return o;
}

/** Equality-based selectors (`a=b`, `a==b`, `a!=b`, `a`, `!a`), comma-separated, all must hold. */
function matchesLabels(o: Record<string, unknown>, selector: string): boolean {
  const labels = ((o['metadata'] as Record<string, unknown> | undefined)?.['labels'] ?? {}) as Record<
    string,
    string
  >;
  return selector
    .split(',')
    .filter((r) => r !== '')
    .every((req) => {
      const m = /^(!?)([^!=]+)(?:(!=|==|=)(.*))?$/.exec(req);
      if (m === null) throw new Error(`label selector ${req} is not supported by the test double`);
      const [, not, k = '', op, v] = m;
      if (op === undefined) return k in labels !== (not === '!');
      return op === '!=' ? labels[k] !== v : labels[k] === v;
    });
}

/** Workloads report a finished rollout, or one stuck at zero updated replicas. */
function withStatus(
  double: KubeApiDouble,
  type: ResourceType,
  o: Record<string, unknown>,
): Record<string, unknown> {
  if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(type.kind)) return o;
  const spec = (o['spec'] ?? {}) as Record<string, unknown>;
  const n = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
  const observedGeneration = (o['metadata'] as Record<string, unknown> | undefined)?.['generation'] ?? 1;
  const done = double.rolloutReady ? n : 0;
  const status =
    type.kind === 'DaemonSet'
      ? {
          observedGeneration,
          desiredNumberScheduled: n,
          updatedNumberScheduled: done,
          numberAvailable: done,
        }
      : {
          observedGeneration,
          replicas: n,
          updatedReplicas: done,
          readyReplicas: done,
          availableReplicas: done,
          currentReplicas: done,
          currentRevision: 'r1',
          updateRevision: 'r1',
        };
  return { ...o, status };
}

function status(code: number, reason: string, message: string, t?: ObjectTarget): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
    ...(t !== undefined ? { details: { name: t.name, kind: t.type.name } } : {}),
  };
}
