import { objectsOf, runKubectlOrFail, type KubectlOptions } from './run-kubectl.js';

type KubeObject = Record<string, unknown>;

/**
 * The live objects for the resource files in a directory, or for objects that name resources
 * (`apiVersion`, `kind`, `metadata.name`, `metadata.namespace`), as kubectl finds them: with the
 * namespace kubectl resolves for objects that name none, and the server's `uid`. Missing ones
 * are left out. The output is kept, never streamed: Secrets come back with their values.
 */
export async function getObjects(
  source: string | readonly KubeObject[],
  opts: KubectlOptions,
): Promise<KubeObject[]> {
  if (typeof source !== 'string' && source.length === 0) return [];
  const stdout = await runKubectlOrFail(
    'get',
    ['get', '-f', typeof source === 'string' ? source : '-', '--ignore-not-found', '-o', 'json'],
    opts,
    { capture: true, ...(typeof source !== 'string' ? { stdin: listOf(source) } : {}) },
  );
  return objectsOf(stdout);
}

/** `kubectl get <resource> -n <namespace> -l <selector>`: every match, values kept as above. */
export async function listObjects(
  resource: string,
  namespace: string,
  selector: string,
  opts: KubectlOptions,
): Promise<KubeObject[]> {
  const stdout = await runKubectlOrFail(
    'get',
    ['get', resource, '-n', namespace, '-l', selector, '-o', 'json'],
    opts,
    { capture: true },
  );
  return objectsOf(stdout);
}

/** Objects as one `v1 List` document, for `-f -`. */
export function listOf(objects: readonly KubeObject[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
}
