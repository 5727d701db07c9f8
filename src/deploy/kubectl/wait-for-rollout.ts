import { UserError } from '../../core/user-error.js';
import { runKubectl, type KubectlOptions } from './run-kubectl.js';

export interface Workload {
  kind: string;
  name: string;
  namespace: string;
}

/** The kinds `kubectl rollout status` understands. */
export const ROLLOUT_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * Waits, all in parallel, for each workload to finish rolling out, each bounded by the one
 * deadline (`seconds` from now). At the deadline, names the workloads that are not ready.
 */
export async function waitForRollout(
  workloads: readonly Workload[],
  seconds: number,
  opts: KubectlOptions,
): Promise<void> {
  const results = await Promise.all(
    workloads.map(async (w) => {
      const { code, lastLines } = await runKubectl(
        [
          'rollout',
          'status',
          `${w.kind.toLowerCase()}/${w.name}`,
          '-n',
          w.namespace,
          `--timeout=${seconds}s`,
        ],
        opts,
      );
      return { w, code, lastLine: lastLines.at(-1) ?? '' };
    }),
  );
  const notReady = results.filter((r) => r.code !== 0);
  if (notReady.length === 0) return;
  throw new UserError(
    {
      message: `not ready after ${seconds} s: ${notReady.map((r) => `${r.w.kind} ${r.w.namespace}/${r.w.name}`).join(', ')}`,
      hint: 'kubectl rollout status <kind>/<name> -n <namespace> shows progress; the resources were applied',
    },
    { details: notReady.map((r) => `${r.w.kind} ${r.w.namespace}/${r.w.name}: ${r.lastLine}`) },
  );
}
