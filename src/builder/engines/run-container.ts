import type Dockerode from 'dockerode';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { LineTail, openLog } from '../../core/exec.js';
import { InterruptedError } from '../../core/user-error.js';
import type { RunContainerOptions } from './docker-engine.js';
import { extractFromContainer, packForContainer } from './container-files.js';
import { streamFailure } from './follow-engine-stream.js';

/**
 * Runs one container to completion with its output in the log file, and removes it whatever
 * happens. `copyIn` folders are put into it before it starts, `copyOut` folders fetched after
 * it exited 0. On abort it is killed and removed before this returns, so an interrupted build
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
    });
  } catch (e) {
    throw translate(opts.label, e);
  }
  const onAbort = () => void container.kill().catch(() => {});
  try {
    // Copied, not bind-mounted, so an engine on another machine works too.
    for (const c of opts.copyIn ?? []) await container.putArchive(await packForContainer(c), { path: '/' });
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
    for (const c of opts.copyOut ?? []) {
      const archive = (await container.getArchive({ path: c.containerPath })) as unknown as Readable;
      await extractFromContainer(archive, c, opts.label);
    }
  } catch (e) {
    throw translate(opts.label, e);
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await container.remove({ force: true }).catch(() => {});
  }
}
