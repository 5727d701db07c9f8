import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../core/user-error.js';
import { runKubectl, runKubectlOrFail, type KubectlOptions } from './run-kubectl.js';

/** A way into the cluster that kubectl opened, with kubectl's own authentication. */
export interface ClusterConnection {
  /** A unix socket that forwards API requests to the cluster, credentials added. */
  socketPath: string;
  /** The namespace of the kubeconfig context (else `default`), for resources that name none. */
  defaultNamespace: string;
  close(): Promise<void>;
}

const SERVING = 'Starting to serve on ';

/**
 * Starts `kubectl proxy --unix-socket` (docs/deploy.md#how-deploy-talks-to-the-cluster): kubectl
 * keeps doing everything a kubeconfig can ask for (contexts, exec credential plugins, client
 * certificates, `proxy-url` and `HTTPS_PROXY`) while deploy sends its requests in-process and
 * concurrently through the socket. The socket is in a fresh 0700 directory, so only this user can
 * use the credentials behind it; it is removed by `close`.
 */
export async function connectThroughKubectl(opts: KubectlOptions): Promise<ClusterConnection> {
  const dir = await mkdtemp(join(tmpdir(), 'tci-kubectl-'));
  const socketPath = join(dir, 'api.sock');
  const stop = new AbortController();
  let serving = (): void => {};
  const started = new Promise<'serving'>((resolve) => (serving = () => resolve('serving')));
  // --append-server-path: a cluster served under a path (`https://host/k8s/clusters/c-1`, as
  // Rancher serves them) keeps that path; kubectl proxy drops it otherwise.
  const proxy = runKubectl(['proxy', `--unix-socket=${socketPath}`, '--append-server-path'], opts, {
    onLine: (line) => {
      if (line.startsWith(SERVING)) serving();
    },
    stop: stop.signal,
  });
  const close = async () => {
    stop.abort();
    await proxy.catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const [outcome, namespace] = await Promise.all([
      Promise.race([started, proxy]),
      runKubectlOrFail('config view', ['config', 'view', '--minify', '-o', 'jsonpath={..namespace}'], opts, {
        capture: true,
      }),
    ]);
    if (outcome !== 'serving')
      throw new UserError(
        { message: `kubectl proxy exited with status ${outcome.code} before it could reach the cluster` },
        { details: outcome.lastLines },
      );
    return { socketPath, defaultNamespace: namespace.trim().split(/\s+/)[0] || 'default', close };
  } catch (e) {
    await close();
    throw e;
  }
}
