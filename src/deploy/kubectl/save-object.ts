import { UserError } from '../../core/user-error.js';
import { objectsOf, runKubectl, type KubectlOptions } from './run-kubectl.js';

/**
 * Stores an object the tool owns: `kubectl create` when it has no `metadata.resourceVersion`,
 * else `kubectl replace`, which the server refuses when the object changed since that version
 * was read (another deploy of the same installation at the same time). Returns the stored
 * object, with its new `resourceVersion`.
 */
export async function saveObject(
  object: Record<string, unknown>,
  opts: KubectlOptions,
): Promise<Record<string, unknown>> {
  const metadata = object['metadata'] as Record<string, unknown>;
  const verb = metadata['resourceVersion'] === undefined ? 'create' : 'replace';
  const r = await runKubectl([verb, '-f', '-', '-o', 'json'], opts, {
    stdin: JSON.stringify(object),
    capture: true,
  });
  if (r.code !== 0) {
    const conflict = r.lastLines.some((l) => /\(Conflict\)|\(AlreadyExists\)/.test(l));
    throw new UserError(
      {
        message: `kubectl ${verb} of ConfigMap ${String(metadata['namespace'])}/${String(metadata['name'])} failed with exit status ${r.code}`,
        ...(conflict
          ? { hint: 'another deploy of the same installation changed it meanwhile; run this deploy again' }
          : {}),
      },
      { details: r.lastLines },
    );
  }
  const [stored] = objectsOf(r.stdout);
  if (stored === undefined) throw new Error(`kubectl ${verb} -o json printed no object`);
  return stored;
}
