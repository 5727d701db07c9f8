import type { Problem } from '../core/problem.js';
import { UserError } from '../core/user-error.js';
import { isPlainObject } from '../inputs/is-plain-object.js';
import type { ApplyTarget } from './apply/apply-resource.js';
import { isCrd } from './apply/apply-order.js';
import { collectionPath, type Discovery, type KindInfo } from './cluster/discovery.js';
import type { ResourceFile } from './resources/check-resources.js';

/** A resource placed in the cluster: where it goes, in which wave, and how its kind is served. */
export interface Target extends ApplyTarget {
  wave: number;
  namespaced: boolean;
  /** The API path of its collection (its namespace's, or the kind's when cluster-scoped). */
  collection: string;
  /** Its kind is defined by a CRD of this release that the cluster may not serve yet. */
  pendingKind: boolean;
}

/**
 * Where each rendered resource goes: its kind as the cluster serves it (or as a CRD of this
 * release will serve it), and its namespace (the kubeconfig context's for a namespaced resource
 * that names none; none for a cluster-scoped one). A kind the cluster does not serve stops
 * deploy before anything is applied, naming every such file.
 */
export async function resolveTargets(
  files: readonly ResourceFile[],
  discovery: Discovery,
  defaultNamespace: string,
): Promise<Target[]> {
  const fromRelease = kindsOfCrds(files);
  const problems: Problem[] = [];
  const targets = await Promise.all(
    files.map(async (f): Promise<Target | undefined> => {
      const served = await discovery.kind(f.id.apiVersion, f.id.kind);
      const info = served ?? fromRelease.get(`${f.id.apiVersion} ${f.id.kind}`);
      if (info === undefined) {
        problems.push({
          file: f.fileName,
          path: 'apiVersion',
          message: `the cluster does not serve ${f.id.kind} in ${f.id.apiVersion}`,
          hint: 'kubectl api-resources lists what it serves; a custom resource needs its CustomResourceDefinition, in the cluster or in the release',
        });
        return undefined;
      }
      const namespace = info.namespaced ? (f.id.namespace ?? defaultNamespace) : undefined;
      const metadata = { ...(f.object['metadata'] as Record<string, unknown>) };
      if (namespace !== undefined) metadata['namespace'] = namespace;
      const collection = collectionPath(f.id.apiVersion, info, namespace);
      const { namespace: _, ...id } = f.id;
      return {
        id: { ...id, ...(namespace !== undefined ? { namespace } : {}) },
        file: f.fileName,
        path: `${collection}/${f.id.name}`,
        object: { ...f.object, metadata },
        wave: f.wave,
        namespaced: info.namespaced,
        collection,
        pendingKind: served === undefined,
      };
    }),
  );
  if (problems.length > 0) throw new UserError(problems);
  return targets as Target[];
}

/** The kinds the release's own CRDs define, by `<group>/<version> <Kind>`. */
function kindsOfCrds(files: readonly ResourceFile[]): Map<string, KindInfo> {
  const out = new Map<string, KindInfo>();
  for (const f of files) {
    if (!isCrd(f.id)) continue;
    const spec = isPlainObject(f.object['spec']) ? f.object['spec'] : {};
    const names = isPlainObject(spec['names']) ? spec['names'] : {};
    for (const v of Array.isArray(spec['versions']) ? spec['versions'] : []) {
      if (!isPlainObject(v) || v['served'] === false) continue;
      out.set(`${String(spec['group'])}/${String(v['name'])} ${String(names['kind'])}`, {
        plural: String(names['plural']),
        namespaced: spec['scope'] !== 'Cluster',
      });
    }
  }
  return out;
}

/** The API versions a CRD serves, to look up again once it is Established. */
export function versionsOfCrd(crd: Record<string, unknown>): string[] {
  const spec = isPlainObject(crd['spec']) ? crd['spec'] : {};
  const versions = Array.isArray(spec['versions']) ? spec['versions'] : [];
  return versions.filter(isPlainObject).map((v) => `${String(spec['group'])}/${String(v['name'])}`);
}
