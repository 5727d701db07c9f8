/**
 * API versions that Kubernetes once served and has since removed, with the release that
 * removed them and the version to use instead (per kind where it differs). From the
 * Kubernetes deprecation guide; a manifest using one is refused by today's clusters.
 */
interface Retired {
  removedIn: string;
  use: string | Record<string, string>;
}

const RETIRED: Record<string, Retired> = {
  'extensions/v1beta1': {
    removedIn: '1.16',
    use: {
      Deployment: 'apps/v1',
      DaemonSet: 'apps/v1',
      ReplicaSet: 'apps/v1',
      NetworkPolicy: 'networking.k8s.io/v1',
      Ingress: 'networking.k8s.io/v1',
      PodSecurityPolicy: 'nothing: it was removed in 1.25',
    },
  },
  'apps/v1beta1': { removedIn: '1.16', use: 'apps/v1' },
  'apps/v1beta2': { removedIn: '1.16', use: 'apps/v1' },
  'networking.k8s.io/v1beta1': { removedIn: '1.22', use: 'networking.k8s.io/v1' },
  'rbac.authorization.k8s.io/v1beta1': { removedIn: '1.22', use: 'rbac.authorization.k8s.io/v1' },
  'rbac.authorization.k8s.io/v1alpha1': { removedIn: '1.22', use: 'rbac.authorization.k8s.io/v1' },
  'apiextensions.k8s.io/v1beta1': { removedIn: '1.22', use: 'apiextensions.k8s.io/v1' },
  'admissionregistration.k8s.io/v1beta1': { removedIn: '1.22', use: 'admissionregistration.k8s.io/v1' },
  'apiregistration.k8s.io/v1beta1': { removedIn: '1.22', use: 'apiregistration.k8s.io/v1' },
  'certificates.k8s.io/v1beta1': { removedIn: '1.22', use: 'certificates.k8s.io/v1' },
  'coordination.k8s.io/v1beta1': { removedIn: '1.22', use: 'coordination.k8s.io/v1' },
  'scheduling.k8s.io/v1beta1': { removedIn: '1.22', use: 'scheduling.k8s.io/v1' },
  'scheduling.k8s.io/v1alpha1': { removedIn: '1.17', use: 'scheduling.k8s.io/v1' },
  'batch/v1beta1': { removedIn: '1.25', use: 'batch/v1' },
  'discovery.k8s.io/v1beta1': { removedIn: '1.25', use: 'discovery.k8s.io/v1' },
  'events.k8s.io/v1beta1': { removedIn: '1.25', use: 'events.k8s.io/v1' },
  'policy/v1beta1': { removedIn: '1.25', use: 'policy/v1' },
  'node.k8s.io/v1beta1': { removedIn: '1.25', use: 'node.k8s.io/v1' },
  'autoscaling/v2beta1': { removedIn: '1.25', use: 'autoscaling/v2' },
  'autoscaling/v2beta2': { removedIn: '1.26', use: 'autoscaling/v2' },
  'storage.k8s.io/v1beta1': { removedIn: '1.27', use: 'storage.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta1': { removedIn: '1.26', use: 'flowcontrol.apiserver.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta2': { removedIn: '1.29', use: 'flowcontrol.apiserver.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta3': { removedIn: '1.32', use: 'flowcontrol.apiserver.k8s.io/v1' },
};

/** Why a current cluster refuses `kind` in `apiVersion`, or undefined if it is still served. */
export function retiredApiVersion(apiVersion: string, kind: string): string | undefined {
  const r = RETIRED[apiVersion];
  if (r === undefined) return undefined;
  const use = typeof r.use === 'string' ? r.use : r.use[kind];
  return (
    `${apiVersion} is no longer served since Kubernetes ${r.removedIn}, so today's clusters will refuse this ${kind}` +
    (use !== undefined ? ` (use ${use})` : '')
  );
}
