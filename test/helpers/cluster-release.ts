import { join } from 'node:path';
import type { KubeApiDouble } from './kube-api-double.js';
import { writeRelease } from './lifecycle-release.js';
import { runCli, type CliResult } from './run-cli.js';

/** Resources of a release that installs into a cluster: its own Namespace, a CRD, workloads. */
type Obj = Record<string, unknown>;

export const NS = 'tc';
const WAVE = 'taskcluster-installer/wave';

export const namespaceOf = (name = NS): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export const widgetCrd: Obj = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

export const widget = (name = 'w'): Obj => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: NS },
  spec: { size: 3 },
});

function withWave(o: Obj, wave: string | undefined): Obj {
  if (wave === undefined) return o;
  const metadata = o['metadata'] as Obj;
  return { ...o, metadata: { ...metadata, annotations: { [WAVE]: wave } } };
}

export function deployment(
  name: string,
  image = `${name}:1`,
  opts: { wave?: string; replicas?: number; extra?: Obj } = {},
): Obj {
  const labels = { app: name };
  return withWave(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: NS },
      spec: {
        replicas: opts.replicas ?? 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name, image, ports: [{ containerPort: 8080 }] }] },
        },
        ...opts.extra,
      },
    },
    opts.wave,
  );
}

export function job(name: string, image: string, wave?: string): Obj {
  return withWave(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: NS },
      spec: {
        backoffLimit: 1,
        template: { spec: { restartPolicy: 'Never', containers: [{ name, image, args: ['migrate'] }] } },
      },
    },
    wave,
  );
}

export const configMap = (name: string, data: Record<string, string>): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS },
  data,
});

/** `deploy --apply` of a release of `resources` against the double, writing into `<dir>/out`. */
export async function deployTo(
  api: KubeApiDouble,
  dir: string,
  resources: unknown[],
  ...flags: string[]
): Promise<CliResult> {
  const release = await writeRelease(dir, `release-${Math.random().toString(36).slice(2)}`, resources);
  return await runCli(['deploy', '--apply', ...flags, release, join(dir, 'out')], {
    cwd: dir,
    env: { ...api.env, HOME: join(api.cacheDir, 'home-must-stay-unused') },
  });
}

/** The `--log-format json` events of a run. */
export function eventsOf(r: CliResult): Array<Record<string, unknown>> {
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
