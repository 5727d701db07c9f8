import { spawn } from 'node:child_process';
import { LineTail } from '../../core/exec.js';
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
}

/**
 * Runs kubectl, streaming each output line as a `kubectl-output` event. A kubectl that cannot
 * be started is a UserError naming the path tried; its exit status is the caller's to judge.
 */
export async function runKubectl(args: readonly string[], opts: KubectlOptions): Promise<KubectlResult> {
  const fullArgs = [...(opts.context !== undefined ? ['--context', opts.context] : []), ...args];
  return await new Promise((resolve, reject) => {
    const child = spawn(opts.kubectl, fullArgs, {
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
    const tails = (['stdout', 'stderr'] as const).map((stream) => {
      const tail = new LineTail(20, (line) => opts.emit({ kind: 'kubectl-output', stream, line }));
      child[stream].setEncoding('utf8').on('data', (s: string) => tail.push(s));
      return tail;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError') {
        reject(new InterruptedError('SIGINT'));
        return;
      }
      reject(
        new UserError(
          {
            message: `could not start kubectl at ${opts.kubectl}: ${err.code ?? err.message}`,
            hint: 'install kubectl, or name it with --kubectl <path>',
          },
          { cause: err },
        ),
      );
    });
    child.on('close', (code, sig) => {
      for (const t of tails) t.end();
      resolve({
        code: code ?? (sig !== null ? 128 : 1),
        lastLines: tails.flatMap((t) => t.lines).slice(-20),
      });
    });
  });
}
