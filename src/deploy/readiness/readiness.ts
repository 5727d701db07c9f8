import { isPlainObject } from '../../inputs/is-plain-object.js';

type Obj = Record<string, unknown>;

export type Readiness =
  | { state: 'ready' }
  | { state: 'waiting'; message: string }
  /** It will not get ready by waiting longer. */
  | { state: 'failed'; message: string };

const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const num = (v: unknown, otherwise = 0): number => (typeof v === 'number' ? v : otherwise);
const conditionsOf = (status: Obj) =>
  Array.isArray(status['conditions']) ? (status['conditions'] as Obj[]) : [];
const condition = (status: Obj, type: string) => conditionsOf(status).find((c) => c['type'] === type);

/** Kinds whose status counts only once it reports the object's latest generation. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** Kinds whose readiness has a rule of its own (docs/deploy.md#readiness). */
const RULES: Record<string, (o: Obj, spec: Obj, status: Obj) => Readiness> = {
  Deployment: deployment,
  StatefulSet: statefulSet,
  DaemonSet: daemonSet,
  Job: job,
  PersistentVolumeClaim: (_o, _spec, status) =>
    status['phase'] === 'Bound'
      ? { state: 'ready' }
      : { state: 'waiting', message: `phase ${String(status['phase'] ?? 'unknown')}, not Bound` },
  CustomResourceDefinition: (_o, _spec, status) => {
    if (condition(status, 'Established')?.['status'] === 'True') return { state: 'ready' };
    const names = condition(status, 'NamesAccepted');
    if (names?.['status'] === 'False')
      return { state: 'failed', message: `names not accepted: ${String(names['message'] ?? '')}` };
    return { state: 'waiting', message: 'not Established yet' };
  },
};

/**
 * Whether an object is ready, after the rules of `kubectl rollout status` and kstatus: the
 * controller has seen the latest change (`observedGeneration`) and, per kind, the rollout is
 * done, the Job complete (a Failed condition fails it), the claim Bound, the CRD Established;
 * any other object with a `Ready` condition is ready when it is True; anything else at once.
 * `kind` is given apart: the items of a list carry none.
 */
export function readinessOf(kind: string, o: Obj): Readiness {
  const status = obj(o['status']);
  const generation = obj(o['metadata'])['generation'];
  const observed = status['observedGeneration'];
  const rule = RULES[kind];
  if (WORKLOADS.has(kind) && typeof generation === 'number' && num(observed, -1) < generation)
    return { state: 'waiting', message: 'the controller has not seen the latest change yet' };
  if (rule !== undefined) return rule(o, obj(o['spec']), status);
  const ready = condition(status, 'Ready');
  if (ready === undefined) return { state: 'ready' };
  if (typeof generation === 'number' && typeof observed === 'number' && observed < generation)
    return { state: 'waiting', message: 'the controller has not seen the latest change yet' };
  return ready['status'] === 'True'
    ? { state: 'ready' }
    : { state: 'waiting', message: lastMessage(status, `Ready is ${String(ready['status'])}`) };
}

/**
 * The condition message to tell the user when an object is not ready: the latest of those not
 * True (Available=False says more than Progressing=True), else the latest of all.
 */
function lastMessage(status: Obj, otherwise: string): string {
  const withMessage = conditionsOf(status).filter(
    (c) => typeof c['message'] === 'string' && c['message'] !== '',
  );
  const byTime = withMessage.sort((a, b) =>
    String(a['lastTransitionTime'] ?? '').localeCompare(String(b['lastTransitionTime'] ?? '')),
  );
  const last = byTime.filter((c) => c['status'] !== 'True').at(-1) ?? byTime.at(-1);
  return last !== undefined ? `${String(last['type'])}: ${String(last['message'])}` : otherwise;
}

function deployment(_o: Obj, spec: Obj, status: Obj): Readiness {
  const progressing = condition(status, 'Progressing');
  if (progressing?.['reason'] === 'ProgressDeadlineExceeded')
    return {
      state: 'failed',
      message: `${String(progressing['message'] ?? 'exceeded its progress deadline')}`,
    };
  const replicas = num(spec['replicas'], 1);
  const updated = num(status['updatedReplicas']);
  const available = num(status['availableReplicas']);
  const detail = (what: string) => ({
    state: 'waiting' as const,
    message: `${what} (${lastMessage(status, 'no conditions yet')})`,
  });
  if (updated < replicas) return detail(`${updated} of ${replicas} updated replicas`);
  if (num(status['replicas']) > updated)
    return detail(`${num(status['replicas']) - updated} old replicas are pending termination`);
  if (available < updated) return detail(`${available} of ${updated} updated replicas are available`);
  return { state: 'ready' };
}

function statefulSet(_o: Obj, spec: Obj, status: Obj): Readiness {
  if (obj(spec['updateStrategy'])['type'] === 'OnDelete') return { state: 'ready' };
  const replicas = num(spec['replicas'], 1);
  const partition = num(obj(obj(spec['updateStrategy'])['rollingUpdate'])['partition']);
  if (num(status['readyReplicas']) < replicas)
    return { state: 'waiting', message: `${num(status['readyReplicas'])} of ${replicas} pods are ready` };
  if (partition > 0) {
    const updated = num(status['updatedReplicas']);
    return updated < replicas - partition
      ? { state: 'waiting', message: `${updated} of ${replicas - partition} pods updated` }
      : { state: 'ready' };
  }
  if (status['updateRevision'] !== status['currentRevision'])
    return { state: 'waiting', message: 'the new revision is still rolling out' };
  return { state: 'ready' };
}

function daemonSet(_o: Obj, _spec: Obj, status: Obj): Readiness {
  const desired = num(status['desiredNumberScheduled']);
  if (num(status['updatedNumberScheduled']) < desired)
    return {
      state: 'waiting',
      message: `${num(status['updatedNumberScheduled'])} of ${desired} updated pods scheduled`,
    };
  if (num(status['numberAvailable']) < desired)
    return {
      state: 'waiting',
      message: `${num(status['numberAvailable'])} of ${desired} updated pods are available`,
    };
  return { state: 'ready' };
}

function job(_o: Obj, _spec: Obj, status: Obj): Readiness {
  const failed = condition(status, 'Failed');
  if (failed?.['status'] === 'True')
    return {
      state: 'failed',
      message: `failed: ${String(failed['reason'] ?? '')}: ${String(failed['message'] ?? '')}`,
    };
  if (condition(status, 'Complete')?.['status'] === 'True') return { state: 'ready' };
  return {
    state: 'waiting',
    message: `not complete (${num(status['active'])} active, ${num(status['succeeded'])} succeeded, ${num(status['failed'])} failed)`,
  };
}
