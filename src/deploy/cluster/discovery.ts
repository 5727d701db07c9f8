import { OnceByKey } from '../../core/once-by-key.js';
import { clusterRefused, type ApiClient } from './api-client.js';
import { statusOf } from './api-error.js';

/** How the API serves a kind: its plural in paths, and whether it lives in namespaces. */
export interface KindInfo {
  plural: string;
  namespaced: boolean;
}

/**
 * Which kinds the cluster serves, read once per API version (`/api/v1`, `/apis/<group>/<version>`)
 * and only for the versions asked about. A version that is not served is asked again after
 * `forget` (a CRD that just became Established); one whose reading failed, at the next call.
 */
export class Discovery {
  private readonly versions = new OnceByKey<string, Map<string, KindInfo> | undefined>();

  constructor(private readonly client: ApiClient) {}

  async kind(apiVersion: string, kind: string): Promise<KindInfo | undefined> {
    return (await this.versions.get(apiVersion, (v) => this.read(v)))?.get(kind);
  }

  forget(apiVersion: string): void {
    this.versions.forget(apiVersion);
  }

  private async read(apiVersion: string): Promise<Map<string, KindInfo> | undefined> {
    const res = await this.client.request(
      'GET',
      apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`,
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200)
      throw clusterRefused(`the discovery of ${apiVersion}`, res.status, statusOf(res).message);
    const out = new Map<string, KindInfo>();
    for (const r of (res.body['resources'] ?? []) as Array<Record<string, unknown>>) {
      const name = r['name'] as string;
      if (!name.includes('/'))
        out.set(r['kind'] as string, { plural: name, namespaced: r['namespaced'] === true });
    }
    return out;
  }
}

/** `/apis/apps/v1/namespaces/web/deployments` (a namespace's) or `/api/v1/namespaces` (cluster-scoped). */
export function collectionPath(apiVersion: string, info: KindInfo, namespace: string | undefined): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${info.namespaced && namespace !== undefined ? `/namespaces/${namespace}` : ''}/${info.plural}`;
}
