import type { Emit } from '../../core/events.js';
import { ApiClient } from './api-client.js';
import { Discovery } from './discovery.js';
import { connectThroughKubectl } from './kubectl-proxy.js';
import type { KubectlOptions } from './run-kubectl.js';

/** Requests at once: enough to hide a remote cluster's round trips, few enough for its rate limits. */
const CONCURRENCY = 32;

/** An open way to the cluster: the API client, what it serves, and the context's default namespace. */
export interface ClusterSession {
  client: ApiClient;
  discovery: Discovery;
  defaultNamespace: string;
  emit: Emit;
  close(): Promise<void>;
}

export async function openCluster(kubectl: KubectlOptions): Promise<ClusterSession> {
  const connection = await connectThroughKubectl(kubectl);
  const client = new ApiClient(connection.socketPath, CONCURRENCY, kubectl.signal);
  return {
    client,
    discovery: new Discovery(client),
    defaultNamespace: connection.defaultNamespace,
    emit: kubectl.emit,
    async close() {
      client.close();
      await connection.close();
    },
  };
}
