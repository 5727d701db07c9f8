import { startProcess } from '../../core/exec.js';
import type { Emit } from '../../core/events.js';
import { InterruptedError, UserError } from '../../core/user-error.js';

export interface KubectlOptions {
  /** The kubectl binary: a path, or a name looked up in PATH. */
  kubectl: string;
  /** kubeconfig context; none: kubectl's current context. */
  context?: string;
  /** Passed through whole, KUBECONFIG included. */
  env: NodeJS.ProcessEnv;
  emit: Emit;
  signal?: AbortSignal;
}

export interface KubectlResult {
  code: number;
  lastLines: string[];
  /** With `capture`: the whole standard output. */
  stdout: string;
}

export interface KubectlIo {
  /** Sent on standard input (for `-f -`). */
  stdin?: string;
  /**
   * Keep standard output instead of streaming it: it is data (`-o json`), and may hold the
   * values of Secrets, which must never reach an event or a log.
   */
  capture?: boolean;
  /** Called for each line of standard output instead of streaming it (a long-running kubectl). */
  onLine?: (line: string) => void;
  /**
   * Ends kubectl (and whatever it started, e.g. a credential plugin) when aborted; the run then
   * resolves with its exit status.
   */
  stop?: AbortSignal;
}

/**
 * Runs kubectl through the process runner, streaming each output line as a `kubectl-output`
 * event. A kubectl that cannot be started is a UserError naming the path tried; its exit status
 * is the caller's to judge.
 */
export async function runKubectl(
  args: readonly string[],
  opts: KubectlOptions,
  io: KubectlIo = {},
): Promise<KubectlResult> {
  const fullArgs = [...(opts.context !== undefined ? ['--context', opts.context] : []), ...args];
  const kubectl = await startProcess(opts.kubectl, fullArgs, {
    env: opts.env,
    ...(io.stdin !== undefined ? { input: io.stdin } : {}),
    ...(io.capture === true ? { dataOnly: ['stdout'] as const } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    onLine: (line, stream) =>
      stream === 'stdout' && io.onLine !== undefined
        ? io.onLine(line)
        : opts.emit({ kind: 'kubectl-output', stream, line }),
  });
  const stop = () => void kubectl.stop();
  io.stop?.addEventListener('abort', stop, { once: true });
  try {
    const r = await kubectl.result;
    return { code: r.code, lastLines: r.lastLines, stdout: io.capture === true ? r.stdout : '' };
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    throw new UserError(
      {
        message: `could not start kubectl at ${opts.kubectl}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        hint: 'install kubectl, or name it with --kubectl <path>',
      },
      { cause: e },
    );
  } finally {
    io.stop?.removeEventListener('abort', stop);
  }
}

/** A kubectl run that must succeed: its failure is a UserError with kubectl's last lines. */
export async function runKubectlOrFail(
  what: string,
  args: readonly string[],
  opts: KubectlOptions,
  io: KubectlIo = {},
): Promise<string> {
  const r = await runKubectl(args, opts, io);
  if (r.code !== 0)
    throw new UserError(
      { message: `kubectl ${what} failed with exit status ${r.code}` },
      { details: r.lastLines },
    );
  return r.stdout;
}
