import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readinessOf, type Readiness } from '../../../../src/deploy/readiness/readiness.js';

const cond = (type: string, status: string, extra: Record<string, string> = {}) => ({
  type,
  status,
  ...extra,
});
const dep = (status: Record<string, unknown>, generation = 2) => ({
  metadata: { generation },
  spec: { replicas: 2 },
  status,
});

const cases: Array<[string, string, Record<string, unknown>, Readiness['state'], RegExp?]> = [
  [
    'Deployment',
    'status of an older generation',
    dep({ observedGeneration: 1, updatedReplicas: 2, availableReplicas: 2, replicas: 2 }),
    'waiting',
    /not seen the latest change/,
  ],
  [
    'Deployment',
    'rolled out',
    dep({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2, replicas: 2 }),
    'ready',
  ],
  [
    'Deployment',
    'not yet available',
    dep({
      observedGeneration: 2,
      updatedReplicas: 2,
      availableReplicas: 0,
      replicas: 2,
      conditions: [
        cond('Available', 'False', { message: 'Deployment does not have minimum availability.' }),
        cond('Progressing', 'True', { message: 'is progressing' }),
      ],
    }),
    'waiting',
    /0 of 2 updated replicas are available \(Available: Deployment does not have minimum availability\.\)/,
  ],
  [
    'Deployment',
    'old replicas terminating',
    dep({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2, replicas: 3 }),
    'waiting',
    /old replicas/,
  ],
  [
    'Deployment',
    'past its progress deadline',
    dep({
      observedGeneration: 2,
      conditions: [
        cond('Progressing', 'False', { reason: 'ProgressDeadlineExceeded', message: 'timed out' }),
      ],
    }),
    'failed',
    /timed out/,
  ],
  [
    'StatefulSet',
    'a revision still rolling',
    {
      metadata: { generation: 1 },
      spec: { replicas: 1 },
      status: { observedGeneration: 1, readyReplicas: 1, currentRevision: 'a', updateRevision: 'b' },
    },
    'waiting',
  ],
  [
    'StatefulSet',
    'rolled',
    {
      metadata: { generation: 1 },
      spec: { replicas: 1 },
      status: { observedGeneration: 1, readyReplicas: 1, currentRevision: 'b', updateRevision: 'b' },
    },
    'ready',
  ],
  [
    'DaemonSet',
    'one node short',
    {
      metadata: { generation: 1 },
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        updatedNumberScheduled: 2,
        numberAvailable: 1,
      },
    },
    'waiting',
  ],
  ['Job', 'running', { status: { active: 1 } }, 'waiting'],
  ['Job', 'complete', { status: { conditions: [cond('Complete', 'True')] } }, 'ready'],
  [
    'Job',
    'failed',
    {
      status: {
        conditions: [
          cond('Failed', 'True', {
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          }),
        ],
      },
    },
    'failed',
    /failed: BackoffLimitExceeded: Job has reached the specified backoff limit/,
  ],
  ['PersistentVolumeClaim', 'pending', { status: { phase: 'Pending' } }, 'waiting'],
  ['PersistentVolumeClaim', 'bound', { status: { phase: 'Bound' } }, 'ready'],
  [
    'Widget',
    'Ready False',
    { status: { conditions: [cond('Ready', 'False', { message: 'provisioning' })] } },
    'waiting',
    /Ready: provisioning/,
  ],
  ['Widget', 'Ready True', { status: { conditions: [cond('Ready', 'True')] } }, 'ready'],
  ['ConfigMap', 'no status at all', {}, 'ready'],
];

for (const [kind, name, o, state, message] of cases)
  test(`${kind}: ${name} -> ${state}`, () => {
    const r = readinessOf(kind, o);
    assert.equal(r.state, state);
    if (message !== undefined) assert.match((r as { message: string }).message, message);
  });
