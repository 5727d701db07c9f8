import type Dockerode from 'dockerode';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { LineTail, openLog } from '../../core/exec.js';
import { InterruptedError } from '../../core/user-error.js';
import type { RunContainerOptions } from './docker-engine.js';
import { streamFailure } from './follow-engine-stream.js';

/**
 * Runs one container to completion with its output in the log file, and removes it whatever
 * happens: on abort it is killed and removed before this returns, so an interrupted build
 * leaves no container running.
 */
export async function runContainer(
  docker: Dockerode,
  opts: RunContainerOptions,
  translate: (label: string, e: unknown) => Error,
): Promise<void> {
  if (opts.signal.aborted) throw new InterruptedError('SIGINT');
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer({
      Image: opts.image,
      Cmd: opts.cmd,
      Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(opts.user !== undefined ? { User: opts.user } : {}),
      ...(opts.workingDir !== undefined ? { WorkingDir: opts.workingDir } : {}),
      HostConfig: { Binds: opts.binds ?? [] },
    });
  } catch (e) {
    throw translate(opts.label, e);
  }
  const onAbort = () => void container.kill().catch(() => {});
  try {
    const log = await openLog(opts.logFile);
    const tail = new LineTail(20, opts.onLine);
    const raw = (await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
    })) as NodeJS.ReadableStream;
    const out = new PassThrough();
    // Without a TTY the daemon multiplexes stdout and stderr in frames; both go to one log.
    container.modem.demuxStream(raw, out, out);
    raw.on('end', () => out.end());
    const copied = (async () => {
      for await (const chunk of out) {
        tail.push(String(chunk));
        if (!log.write(chunk)) await once(log, 'drain');
      }
      tail.end();
      await new Promise<void>((resolve) => log.end(resolve));
    })();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    await container.start();
    const result = (await container.wait()) as { StatusCode?: number };
    await copied;
    if (opts.signal.aborted) throw new InterruptedError('SIGINT');
    if (result.StatusCode !== 0) {
      throw streamFailure(opts, `exit status ${String(result.StatusCode)}`, tail.lines);
    }
  } catch (e) {
    throw translate(opts.label, e);
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await container.remove({ force: true }).catch(() => {});
  }
}
