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
  /** Ends kubectl (SIGTERM) when aborted; the run then resolves with its exit status. */
  stop?: AbortSignal;
}

/**
 * Runs kubectl, streaming each output line as a `kubectl-output` event. A kubectl that cannot
 * be started is a UserError naming the path tried; its exit status is the caller's to judge.
 */
export async function runKubectl(
  args: readonly string[],
  opts: KubectlOptions,
  io: KubectlIo = {},
): Promise<KubectlResult> {
  const fullArgs = [...(opts.context !== undefined ? ['--context', opts.context] : []), ...args];
  return await new Promise((resolve, reject) => {
    const child = spawn(opts.kubectl, fullArgs, {
      env: opts.env,
      stdio: [io.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
    // kubectl may exit before reading its input (bad flags); the close event reports that.
    child.stdin?.on('error', () => {});
    child.stdin?.end(io.stdin);
    io.stop?.addEventListener('abort', () => child.kill('SIGTERM'), { once: true });
    let stdout = '';
    const streams = io.capture === true ? (['stderr'] as const) : (['stdout', 'stderr'] as const);
    if (io.capture === true) child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    const tails = streams.map((stream) => {
      const tail = new LineTail(20, (line) =>
        stream === 'stdout' && io.onLine !== undefined
          ? io.onLine(line)
          : opts.emit({ kind: 'kubectl-output', stream, line }),
      );
      child[stream]?.setEncoding('utf8').on('data', (s: string) => tail.push(s));
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
        stdout,
      });
    });
  });
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
