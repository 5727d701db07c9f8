import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { startProcess } from '../../../core/exec.js';
import { deleteContainer, runcRoot } from './runc-bundle.js';

/** Where the step's output goes: the log file and the live line tail. */
export interface StepOutput {
  write(chunk: Buffer): Promise<void>;
  push(text: string): void;
}

/**
 * `runc run` of a prepared bundle, in the foreground and without a terminal (detached, runc
 * could not report the exit status), its output arriving here as it is written.
 * Returns the exit status (128 + n for a signal). On abort the container is deleted with
 * `--force` (SIGKILL) until `runc run` returns: a plain signal to runc would be forwarded to the
 * container's pid 1, which ignores the signals it has no handler for; and an abort that lands
 * while runc is still creating the container needs another try once it exists.
 */
export async function runcRun(
  runc: string,
  stateDir: string,
  id: string,
  output: StepOutput,
  signal: AbortSignal,
): Promise<number> {
  // runc copies the container's stdout and stderr separately, so their relative order is only
  // approximately kept, as with Docker's attach.
  const child = await startProcess(
    runc,
    ['--root', runcRoot(stateDir), 'run', '--bundle', join(stateDir, 'runs', id), id],
    {
      onAbort: 'leave',
      signal,
      onLine: (line) => output.push(`${line}\n`),
      onOutput: (chunk) => output.write(chunk),
    },
  );
  const stop = async () => {
    for (let i = 0; !child.exited; i++) {
      await deleteContainer(stateDir, runc, id);
      if (i === 20) child.kill('SIGKILL');
      await sleep(100);
    }
  };
  let stopping: Promise<void> | undefined;
  const onAbort = () => {
    stopping = stop();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  try {
    return (await child.result).code;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await stopping;
  }
}
