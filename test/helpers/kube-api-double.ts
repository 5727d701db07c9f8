import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { failure, type StatusFailure } from './kube-double/api-status.js';
import { DEFAULT_TIMING, type Outcome, type StatusHost, type Timing } from './kube-double/controllers.js';
import { ObjectStore } from './kube-double/object-store.js';
import { objectRequest, type DoubleState } from './kube-double/object-requests.js';
import {
  BUILTIN_TYPES,
  groupList,
  openApiFor,
  openApiRoot,
  resourceList,
  typesOfCrd,
  type ResourceType,
} from './kube-double/resource-types.js';
import { tempDir } from './temp-dir.js';

/**
 * A test double of the Kubernetes API server. No API server can be installed on these machines,
 * so this is the one stand-in of the test suite; it is made to refuse what a real server
 * refuses, so that what passes against it has a chance on a cluster. The real `kubectl` (apply
 * client-side and server-side, get, create, replace, delete, rollout status, proxy) runs
 * against it over TLS.
 *
 * Like a real server it:
 * - serves discovery (legacy, per group version), the OpenAPI v3 index kubectl reads to validate
 *   on the server, and objects over HTTPS (a self-signed certificate in the kubeconfig);
 * - refuses a namespaced write into a Namespace that does not exist (404 `namespaces "x" not
 *   found`) or is terminating (403), and a create over an object that exists or is still being
 *   deleted (409);
 * - serves a CustomResourceDefinition's kind (discovery and paths) only once the CRD is
 *   Established, `timing.crdEstablishMs` after it was created;
 * - refuses changes to immutable fields (a Job's `spec.template`, the `spec.selector` of
 *   Deployments, ReplicaSets, DaemonSets and Jobs, a StatefulSet's spec beyond the fields it may
 *   change, a claim's spec, an immutable ConfigMap's data) and annotations over 256 KiB with 422
 *   and the real Status (message, reason, causes);
 * - does server-side apply (PATCH `application/apply-patch+yaml`, `fieldManager`, `force`) with
 *   `managedFields` kept for every write, field pruning and 409 conflicts naming the manager and
 *   the field as a real server words them; strategic merge, JSON merge and JSON patches; a
 *   `resourceVersion` in a replace or patch as a precondition; `dryRun=All`;
 * - bumps `metadata.generation` on a change outside metadata and status, lets status catch up
 *   over time (see kube-double/controllers.ts: observedGeneration lags, replicas become ready,
 *   Jobs complete or fail as a test chooses, claims bind), deletes in the foreground or
 *   terminates a Namespace (and what is in it) after a while;
 * - streams watches (`?watch=1`, ADDED/MODIFIED/DELETED from a resourceVersion, field and label
 *   selectors, `timeoutSeconds`);
 * - answers 401 to requests without its bearer token (kubectl sends one only over TLS); the
 *   kubeconfig holds the token, or with `execCredential` an exec credential plugin that hands it
 *   to kubectl.
 *
 * Where it still differs from a real server: no schemas (no defaulting beyond a Job's selector,
 * no field validation, no pruning of unknown fields; lists are associative or sets by field
 * name only, see kube-double/field-set.ts, and maps are all treated as structs); no
 * conversion between versions; no RBAC, admission, quotas or object size limits; no pods,
 * ReplicaSets or garbage collection of dependents (a foreground deletion just takes
 * `timing.deleteMs`); strategic merge patch covers what kubectl sends; no aggregated discovery,
 * no HTTP/2, no bookmarks, and a watch never expires (410 Gone); status messages are the real
 * ones, but values in `Invalid value: …` are elided.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Which kubeconfig context kubectl used (each context's cluster URL has its own prefix). */
  context: 'double-a' | 'double-b';
  contentType: string | undefined;
  /** Whether the request carried the bearer token (never the token itself). */
  authenticated: boolean;
  /** When it arrived (Date.now()). */
  at: number;
  body: unknown;
}

export interface KubeApiDoubleOptions {
  /** Added before every answer (a remote cluster's round trip). */
  latencyMs?: number;
  timing?: Partial<Timing>;
  /** Require a bearer token, handed to kubectl by an exec credential plugin in the kubeconfig. */
  execCredential?: boolean;
}

export interface KubeApiDouble {
  url: string;
  /** A kubeconfig with contexts `double-a` (current) and `double-b`, both served from one store. */
  kubeconfig: string;
  /** kubectl's discovery cache, kept out of `~/.kube/cache`. */
  cacheDir: string;
  /** KUBECONFIG and KUBECACHEDIR for a kubectl run against this double. */
  env: Record<string, string>;
  requests: RecordedRequest[];
  /** Objects by API path, e.g. `/apis/apps/v1/namespaces/default/deployments/web`. */
  objects: Map<string, Record<string, unknown>>;
  timing: Timing;
  latencyMs: number;
  /** The outcome of workloads, Jobs and claims a test does not name (default `ready`). */
  defaultOutcome: Outcome;
  /** How a workload, Job or claim ends up: `Job apps/migrate` → `fail`. */
  setOutcome(kind: string, namespace: string, name: string, outcome: Outcome): void;
  /** Sets an object's status as its controller would (for custom resources). */
  setStatus(path: string, status: Record<string, unknown>): void;
  /** How many times the exec credential plugin ran. */
  execCalls(): Promise<number>;
  /** The next `times` requests of `method` to exactly `path` fail with `code`. */
  failNext(method: string, path: string, code: number, times?: number): void;
  /** Runs `action` once, just before the double answers the next `method` request to `path`. */
  onNext(method: string, path: string, action: () => void): void;
  /** Write requests (anything but GET), without dry runs: what changed or tried to change the cluster. */
  writes(since?: number): RecordedRequest[];
  stop(): Promise<void>;
}

interface Fault {
  method: string;
  path: string;
  effect: number | (() => void);
  times: number;
}

export async function startKubeApiDouble(opts: KubeApiDoubleOptions = {}): Promise<KubeApiDouble> {
  const dir = await mkdtemp(join(tmpdir(), `tci-kube-${process.pid}-`));
  const tls = selfSignedCertificate(dir);
  const sockets = new Set<Socket>();
  const faults: Fault[] = [];
  const token = `double-token-${process.pid}-${Date.now()}`;
  const { state, timers } = emptyCluster();
  const double = doubleOf(state, dir, opts, faults, async () => {
    for (const t of timers) clearTimeout(t);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = () =>
        handle(double, state, faults, token, req, res, Buffer.concat(chunks).toString('utf8'));
      if (double.latencyMs > 0) setTimeout(answer, double.latencyMs);
      else answer();
    });
  });
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  double.url = `https://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  const user = opts.execCredential === true ? { exec: await execPlugin(dir, token) } : { token };
  await writeFile(double.kubeconfig, kubeconfigFor(double.url, tls.cert, user));
  double.env = { KUBECONFIG: double.kubeconfig, KUBECACHEDIR: double.cacheDir };
  return double;
}

/** A store with what every cluster starts with (its four Namespaces), and the double's timers. */
function emptyCluster(): { state: DoubleState; timers: Set<NodeJS.Timeout> } {
  const timers = new Set<NodeJS.Timeout>();
  const state: DoubleState = {
    store: new ObjectStore(),
    types: [...BUILTIN_TYPES],
    host: undefined as unknown as StatusHost,
    now: () => new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    uids: 0,
    schedule: (ms, fn) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    },
  };
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    state.store.put(`/api/v1/namespaces/${name}`, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: `uid-ns-${name}`, generation: 1, creationTimestamp: state.now() },
      status: { phase: 'Active' },
    });
  return { state, timers };
}

function doubleOf(
  state: DoubleState,
  dir: string,
  opts: KubeApiDoubleOptions,
  faults: Fault[],
  stop: () => Promise<void>,
): KubeApiDouble {
  const outcomes = new Map<string, Outcome>();
  const store = state.store;
  const double: KubeApiDouble = {
    url: '',
    kubeconfig: join(dir, 'kubeconfig'),
    cacheDir: join(dir, 'cache'),
    env: {},
    requests: [],
    objects: store.objects,
    timing: { ...DEFAULT_TIMING, ...opts.timing },
    latencyMs: opts.latencyMs ?? 0,
    defaultOutcome: 'ready',
    setOutcome: (kind, namespace, name, outcome) => outcomes.set(`${kind} ${namespace}/${name}`, outcome),
    setStatus(path, status) {
      const o = store.objects.get(path);
      if (o === undefined) throw new Error(`no object at ${path}`);
      store.put(path, { ...o, status });
    },
    execCalls: async () => (await readFile(join(dir, 'exec-calls'), 'utf8').catch(() => '')).length,
    failNext: (method, path, code, times = 1) => faults.push({ method, path, effect: code, times }),
    onNext: (method, path, action) => faults.push({ method, path, effect: action, times: 1 }),
    writes: (since = 0) =>
      double.requests.slice(since).filter((q) => q.method !== 'GET' && q.query.get('dryRun') !== 'All'),
    stop,
  };
  state.host = statusHost(double, state, outcomes);
  return double;
}

function statusHost(double: KubeApiDouble, state: DoubleState, outcomes: Map<string, Outcome>): StatusHost {
  return {
    get timing() {
      return double.timing;
    },
    outcomeOf: (kind, namespace, name) =>
      outcomes.get(`${kind} ${namespace ?? ''}/${name}`) ?? double.defaultOutcome,
    later(key, generation, ms, step) {
      state.schedule(ms, () => {
        const o = state.store.objects.get(key);
        const meta = (o?.['metadata'] ?? {}) as Record<string, unknown>;
        if (
          o === undefined ||
          Number(meta['generation'] ?? 1) !== generation ||
          meta['deletionTimestamp'] !== undefined
        )
          return;
        const status = step(o);
        if (status !== undefined) state.store.put(key, { ...o, status });
      });
    },
    established(crd) {
      state.types.push(...typesOfCrd(crd));
    },
  };
}

/** A certificate for 127.0.0.1, made with openssl: kubectl sends credentials only over TLS. */
function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const key = join(dir, 'tls.key');
  const cert = join(dir, 'tls.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=kube-api-double',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** An exec credential plugin (client.authentication.k8s.io/v1) that counts its runs. */
async function execPlugin(dir: string, token: string): Promise<Record<string, unknown>> {
  const path = join(dir, 'credential-plugin.sh');
  const credential = JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token },
  });
  await writeFile(path, `#!/bin/sh\nprintf x >> '${join(dir, 'exec-calls')}'\necho '${credential}'\n`);
  await chmod(path, 0o755);
  return { apiVersion: 'client.authentication.k8s.io/v1', command: path, interactiveMode: 'Never' };
}

function kubeconfigFor(url: string, cert: string, user: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'double-a',
    clusters: ['a', 'b'].map((x) => ({
      name: `cluster-${x}`,
      cluster: {
        server: x === 'a' ? url : `${url}/b`,
        'certificate-authority-data': Buffer.from(cert).toString('base64'),
      },
    })),
    users: [{ name: 'user', user }],
    contexts: ['a', 'b'].map((x) => ({
      name: `double-${x}`,
      context: { cluster: `cluster-${x}`, user: 'user' },
    })),
  });
}

function handle(
  double: KubeApiDouble,
  state: DoubleState,
  faults: Fault[],
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
  raw: string,
): void {
  const url = new URL(req.url ?? '/', 'https://double');
  const viaB = url.pathname === '/b' || url.pathname.startsWith('/b/');
  if (viaB) url.pathname = url.pathname.slice(2) || '/';
  const contentType = req.headers['content-type'];
  let body: unknown = raw;
  if (raw !== '' && contentType?.includes('json') === true) body = JSON.parse(raw);
  const authenticated = req.headers.authorization === `Bearer ${token}`;
  double.requests.push({
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    context: viaB ? 'double-b' : 'double-a',
    contentType,
    authenticated,
    at: Date.now(),
    body,
  });
  const send = (code: number, doc: unknown) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(doc));
  };
  const fail = (f: StatusFailure) => send(f.code, f.body);
  if (!authenticated) return fail(failure(401, 'Unauthorized', 'Unauthorized'));
  const p = url.pathname;
  const fault = faults.find((f) => f.method === req.method && f.path === p && f.times > 0);
  if (fault !== undefined) {
    fault.times -= 1;
    if (typeof fault.effect === 'function') fault.effect();
    else return fail(failure(fault.effect, 'InternalError', `injected failure of ${req.method} ${p}`));
  }
  if (answerDiscovery(state.types, p, res)) return;
  if (
    !objectRequest(
      state,
      req.method ?? 'GET',
      url,
      { contentType, userAgent: req.headers['user-agent'], body },
      res,
    )
  ) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  }
}

function answerDiscovery(types: readonly ResourceType[], p: string, res: ServerResponse): boolean {
  if (p === '/openapi/v2') {
    // kubectl reads it (as protobuf) for a kind the v3 index lacks; an empty document, like the
    // v3 ones without schemas, makes it validate nothing on the client.
    res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' });
    res.end();
    return true;
  }
  const doc = discovery(types, p);
  if (doc === undefined) return false;
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(doc));
  return true;
}

function discovery(types: readonly ResourceType[], p: string): unknown {
  if (p === '/version') return { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' };
  if (p === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (p === '/apis') return groupList(types);
  if (p === '/openapi/v3') return openApiRoot(types);

  if (p.startsWith('/openapi/v3/')) return openApiFor(types, p.slice('/openapi/v3'.length));
  return resourceList(types, p);
}

/**
 * A fresh double and temporary directory for each test of the file (what one test applies and
 * records is no other test's), handed to `use` before each test and stopped after it.
 */
export function doublePerTest(use: (api: KubeApiDouble, dir: string) => void): void {
  let api: KubeApiDouble | undefined;
  beforeEach(async () => {
    api = await startKubeApiDouble();
    use(api, await tempDir());
  });
  afterEach(async () => {
    await api?.stop();
  });
}
