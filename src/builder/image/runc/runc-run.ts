import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
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
  const child = spawn(
    runc,
    ['--root', runcRoot(stateDir), 'run', '--bundle', join(stateDir, 'runs', id), id],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let exited = false;
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  const stop = async () => {
    for (let i = 0; !exited; i++) {
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
    // Both read to their end (the container's last process holding them has exited). runc
    // copies the container's stdout and stderr separately, so their relative order is only
    // approximately kept, as with Docker's attach.
    await Promise.all([copy(child.stdout, output), copy(child.stderr, output)]);
    const [code, sig] = await closed;
    return code ?? 128 + (sig !== null ? constants.signals[sig] : 0);
  } finally {
    exited = true;
    signal.removeEventListener('abort', onAbort);
    await stopping;
  }
}

async function copy(stream: NodeJS.ReadableStream, output: StepOutput): Promise<void> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    output.push(decoder.write(buf));
    await output.write(buf);
  }
  output.push(decoder.end());
}
