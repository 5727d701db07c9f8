import { listOf } from './get-objects.js';
import { runKubectlOrFail, type KubectlOptions } from './run-kubectl.js';

/**
 * `kubectl delete` of the named objects (`apiVersion`, `kind`, `metadata.name`/`namespace`),
 * streaming kubectl's lines. Objects already gone are not an error, so a rerun after an
 * interruption finishes the work. It does not wait for finalizers (a PersistentVolumeClaim in
 * use stays Terminating until its pod goes); the deletion is requested, which is what pruning
 * promises.
 */
export async function deleteObjects(
  objects: ReadonlyArray<Record<string, unknown>>,
  opts: KubectlOptions,
): Promise<void> {
  if (objects.length === 0) return;
  await runKubectlOrFail('delete', ['delete', '-f', '-', '--ignore-not-found', '--wait=false'], opts, {
    stdin: listOf(objects),
  });
}
