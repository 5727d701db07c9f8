import { randomBytes } from 'node:crypto';

/**
 * What the controllers of a real cluster do to status, slowly: a workload's status catches up
 * with a change (`observedGeneration`) after `statusMs`, its replicas become ready `readyMs`
 * later (or never, for `never-available`, until `spec.progressDeadlineSeconds` marks it failed);
 * a Job runs for `jobMs` and then completes or fails as its outcome says; a claim is Bound
 * after `bindMs`; a CRD is Established after `crdEstablishMs` (its kind is served from then).
 */
type Obj = Record<string, unknown>;

export type Outcome = 'ready' | 'never-available' | 'fail' | 'run-forever';

export interface Timing {
  statusMs: number;
  readyMs: number;
  jobMs: number;
  bindMs: number;
  crdEstablishMs: number;
  /** How long a foreground deletion or a Namespace's termination takes. */
  deleteMs: number;
}

export const DEFAULT_TIMING: Timing = {
  statusMs: 30,
  readyMs: 120,
  jobMs: 200,
  bindMs: 100,
  crdEstablishMs: 250,
  deleteMs: 150,
};

/** The DaemonSet's pods: one per node. */
const NODES = 2;

export interface StatusHost {
  timing: Timing;
  outcomeOf(kind: string, namespace: string | undefined, name: string): Outcome;
  /** Runs `step` after `ms` on the object at `key` if it is still at `generation`; `step` returns its new status. */
  later(key: string, generation: number, ms: number, step: (o: Obj) => Obj | undefined): void;
  /** Called once a CRD is Established. */
  established(crd: Obj): void;
}

const meta = (o: Obj) => (o['metadata'] ?? {}) as Obj;
const spec = (o: Obj) => (o['spec'] ?? {}) as Obj;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const condition = (type: string, status: string, reason: string, message: string) => ({
  type,
  status,
  lastUpdateTime: now(),
  lastTransitionTime: now(),
  reason,
  message,
});

/** The status an object gets at once when it is written (undefined: keep the status it has). */
export function initialStatus(kind: string, o: Obj): Obj | undefined {
  switch (kind) {
    case 'Namespace':
      return { phase: 'Active' };
    case 'CustomResourceDefinition':
      return {
        conditions: [
          condition('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'),
          condition('Established', 'False', 'Installing', 'the initial names have been accepted'),
        ],
        acceptedNames: spec(o)['names'],
        storedVersions: [],
      };
    case 'PersistentVolumeClaim':
      return { phase: 'Pending' };
    default:
      return undefined;
  }
}

/** Schedules the status changes that follow a write of `o` at `key`. */
export function progress(host: StatusHost, kind: string, key: string, o: Obj): void {
  const generation = Number(meta(o)['generation'] ?? 1);
  const t = host.timing;
  // The outcome is read when the step is due, so a test can let a stuck workload recover.
  const outcome = () =>
    host.outcomeOf(kind, meta(o)['namespace'] as string | undefined, meta(o)['name'] as string);
  const until = (ms: number, blocked: Outcome, step: (x: Obj) => Obj | undefined) => {
    const attempt = (x: Obj): Obj | undefined => {
      if (outcome() !== blocked) return step(x);
      host.later(key, generation, ms, attempt);
      return undefined;
    };
    host.later(key, generation, ms, attempt);
  };
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
      host.later(key, generation, t.statusMs, (x) => workloadStatus(kind, x, false));
      until(t.statusMs + t.readyMs, 'never-available', (x) => workloadStatus(kind, x, true));
      if (kind === 'Deployment')
        host.later(key, generation, 1000 * Number(spec(o)['progressDeadlineSeconds'] ?? 600), (x) =>
          outcome() === 'never-available' ? timedOut(x) : undefined,
        );
      return;
    case 'Job':
      host.later(key, generation, t.statusMs, (x) => ({
        ...(x['status'] as Obj),
        active: 1,
        ready: 0,
        startTime: now(),
      }));
      until(t.jobMs, 'run-forever', (x) => jobEnd(x, outcome() === 'fail'));
      return;
    case 'PersistentVolumeClaim':
      until(t.bindMs, 'never-available', () => ({ phase: 'Bound', accessModes: spec(o)['accessModes'] }));
      return;
    case 'CustomResourceDefinition':
      host.later(key, generation, t.crdEstablishMs, (x) => {
        host.established(x);
        const conditions = ((x['status'] as Obj)['conditions'] as Obj[]).filter(
          (c) => c['type'] !== 'Established',
        );
        return {
          ...(x['status'] as Obj),
          conditions: [
            ...conditions,
            condition('Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'),
          ],
        };
      });
      return;
  }
}

function replicaSetName(o: Obj): string {
  return `${String(meta(o)['name'])}-${randomBytes(5).toString('hex').slice(0, 10)}`;
}

function workloadStatus(kind: string, o: Obj, ready: boolean): Obj {
  const generation = meta(o)['generation'];
  const n = kind === 'DaemonSet' ? NODES : Number(spec(o)['replicas'] ?? 1);
  const up = ready ? n : 0;
  if (kind === 'DaemonSet')
    return {
      observedGeneration: generation,
      desiredNumberScheduled: n,
      currentNumberScheduled: n,
      updatedNumberScheduled: n,
      numberReady: up,
      numberAvailable: up,
      numberUnavailable: n - up,
      numberMisscheduled: 0,
    };
  if (kind === 'StatefulSet') {
    const revision = `${String(meta(o)['name'])}-r${String(generation)}`;
    const previous = ((o['status'] ?? {}) as Obj)['currentRevision'] ?? revision;
    return {
      observedGeneration: generation,
      replicas: n,
      readyReplicas: up,
      availableReplicas: up,
      currentReplicas: ready ? n : 0,
      updatedReplicas: n,
      currentRevision: ready ? revision : previous,
      updateRevision: revision,
    };
  }
  const rs = replicaSetName(o);
  return {
    observedGeneration: generation,
    replicas: n,
    updatedReplicas: n,
    readyReplicas: up,
    availableReplicas: up,
    ...(ready ? {} : { unavailableReplicas: n }),
    conditions: [
      ready
        ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : condition(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          ),
      ready
        ? condition(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rs}" has successfully progressed.`,
          )
        : condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rs}" is progressing.`),
    ],
  };
}

function timedOut(o: Obj): Obj {
  const status = (o['status'] ?? {}) as Obj;
  const conditions = ((status['conditions'] ?? []) as Obj[]).filter((c) => c['type'] !== 'Progressing');
  return {
    ...status,
    conditions: [
      ...conditions,
      condition(
        'Progressing',
        'False',
        'ProgressDeadlineExceeded',
        `ReplicaSet "${replicaSetName(o)}" has timed out progressing.`,
      ),
    ],
  };
}

function jobEnd(o: Obj, failed: boolean): Obj {
  const status = { ...((o['status'] ?? {}) as Obj), active: 0, ready: 0 };
  if (!failed)
    return {
      ...status,
      succeeded: 1,
      completionTime: now(),
      conditions: [
        condition(
          'SuccessCriteriaMet',
          'True',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
        ),
        condition('Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'),
      ],
    };
  const message = 'Job has reached the specified backoff limit';
  return {
    ...status,
    failed: Number(spec(o)['backoffLimit'] ?? 6) + 1,
    conditions: [
      condition('FailureTarget', 'True', 'BackoffLimitExceeded', message),
      condition('Failed', 'True', 'BackoffLimitExceeded', message),
    ],
  };
}

/** What the Job controller's defaulting adds at create: a selector on the Job's own uid. */
export function jobDefaults(o: Obj): void {
  const uid = meta(o)['uid'] as string;
  const name = meta(o)['name'] as string;
  const s = spec(o);
  const labels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  s['selector'] ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const template = (s['template'] ??= {}) as Obj;
  const tm = (template['metadata'] ??= {}) as Obj;
  tm['labels'] = { ...((tm['labels'] ?? {}) as Obj), ...labels };
  s['backoffLimit'] ??= 6;
  s['completions'] ??= 1;
  s['parallelism'] ??= 1;
  o['spec'] = s;
}
