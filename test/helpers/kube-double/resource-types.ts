/**
 * The kinds the double serves and the discovery documents that describe them: the built-in
 * kinds below, plus each CustomResourceDefinition's kind once the CRD is Established (as a
 * real server adds it to discovery only then).
 */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  /** The plural, in paths. */
  name: string;
  namespaced: boolean;
  /** Whether `status` is set only through the status subresource (writes to the object ignore it). */
  statusSubresource: boolean;
}

const core = (kind: string, namespaced = true, statusSubresource = false): ResourceType => ({
  group: '',
  version: 'v1',
  kind,
  name: kind.toLowerCase() + 's',
  namespaced,
  statusSubresource,
});

export const BUILTIN_TYPES: readonly ResourceType[] = [
  ...['ConfigMap', 'Secret', 'ServiceAccount'].map((k) => core(k)),
  ...['Service', 'Pod', 'PersistentVolumeClaim'].map((k) => core(k, true, true)),
  core('Namespace', false, true),
  ...['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].map((kind) => ({
    group: 'apps',
    version: 'v1',
    kind,
    name: kind.toLowerCase() + 's',
    namespaced: true,
    statusSubresource: true,
  })),
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    name: 'ingresses',
    namespaced: true,
    statusSubresource: true,
  },
  { group: 'batch', version: 'v1', kind: 'Job', name: 'jobs', namespaced: true, statusSubresource: true },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    name: 'clusterroles',
    namespaced: false,
    statusSubresource: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    name: 'clusterrolebindings',
    namespaced: false,
    statusSubresource: false,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    name: 'customresourcedefinitions',
    namespaced: false,
    statusSubresource: true,
  },
];

type Obj = Record<string, unknown>;

/** The kinds an Established CRD serves: one per served version. */
export function typesOfCrd(crd: Obj): ResourceType[] {
  const spec = (crd['spec'] ?? {}) as Obj;
  const names = (spec['names'] ?? {}) as Obj;
  const versions = (spec['versions'] ?? []) as Obj[];
  return versions
    .filter((v) => v['served'] !== false)
    .map((v) => ({
      group: String(spec['group']),
      version: String(v['name']),
      kind: String(names['kind']),
      name: String(names['plural']),
      namespaced: spec['scope'] !== 'Cluster',
      statusSubresource: ((v['subresources'] ?? {}) as Obj)['status'] !== undefined,
    }));
}

export const gvPath = (t: Pick<ResourceType, 'group' | 'version'>) =>
  t.group === '' ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`;

export const apiVersionOf = (t: Pick<ResourceType, 'group' | 'version'>) =>
  t.group === '' ? t.version : `${t.group}/${t.version}`;

const SHORT_NAMES: Record<string, string[]> = {
  ConfigMap: ['cm'],
  Namespace: ['ns'],
  Service: ['svc'],
  PersistentVolumeClaim: ['pvc'],
  Deployment: ['deploy'],
  StatefulSet: ['sts'],
  DaemonSet: ['ds'],
  Ingress: ['ing'],
  CustomResourceDefinition: ['crd', 'crds'],
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function groupList(types: readonly ResourceType[]): unknown {
  const gvs = [...new Set(types.filter((t) => t.group !== '').map(apiVersionOf))];
  const groups = [...new Set(gvs.map((gv) => gv.split('/')[0] as string))];
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((name) => {
      const versions = gvs
        .filter((gv) => gv.startsWith(name + '/'))
        .map((gv) => ({ groupVersion: gv, version: gv.slice(name.length + 1) }));
      return { name, versions, preferredVersion: versions[0] };
    }),
  };
}

export function resourceList(types: readonly ResourceType[], path: string): unknown {
  const served = types.filter((t) => gvPath(t) === path);
  if (served.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(served[0] as ResourceType),
    resources: served.flatMap((t) => [
      {
        name: t.name,
        singularName: t.kind.toLowerCase(),
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: VERBS,
        ...(SHORT_NAMES[t.kind] !== undefined ? { shortNames: SHORT_NAMES[t.kind] } : {}),
      },
      ...(t.statusSubresource
        ? [
            {
              name: `${t.name}/status`,
              singularName: '',
              namespaced: t.namespaced,
              kind: t.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
    ]),
  };
}

/**
 * The OpenAPI v3 documents, without schemas: kubectl reads them to learn that PATCH takes
 * `fieldValidation` (then it validates on the server and needs no schema of its own).
 */
export function openApiRoot(types: readonly ResourceType[]): unknown {
  const gvs = [...new Set(types.map(gvPath))];
  return {
    paths: Object.fromEntries(
      gvs.map((gv) => [gv.slice(1), { serverRelativeURL: `/openapi/v3${gv}?hash=double` }]),
    ),
  };
}

export function openApiFor(types: readonly ResourceType[], gv: string): unknown {
  const served = types.filter((t) => gvPath(t) === gv);
  if (served.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of served) {
    const ns = t.namespaced ? '/namespaces/{namespace}' : '';
    paths[`${gv}${ns}/${t.name}/{name}`] = {
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
