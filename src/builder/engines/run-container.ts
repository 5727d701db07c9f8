import type Dockerode from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import { LineTail, logWriter, openLog } from '../../core/exec.js';
import { InternalError, InterruptedError } from '../../core/user-error.js';
import type { RunContainerOptions } from './docker-engine.js';
import { extractFromContainer, packForContainer } from './container-files.js';
import { streamFailure } from './follow-engine-stream.js';
import { SECRET_ID_PATTERN } from '../../inputs/build-schema.js';

/**
 * Runs one container to completion with its output in the log file, and removes it whatever
 * happens. `copyIn` folders are put into it before it starts, `copyOut` folders fetched after
 * it exited 0, as are the archives of `collect`; `secretFiles` live in a tmpfs of the container.
 * On abort it is killed and removed before this returns, so an interrupted build leaves no
 * container running.
 */
export async function runContainer(
  docker: Dockerode,
  opts: RunContainerOptions,
  translate: (label: string, e: unknown) => Error,
): Promise<void> {
  if (opts.signal.aborted) throw new InterruptedError('SIGINT');
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer(createOptions(opts));
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
      ...(opts.secretFiles !== undefined ? { stdin: true, hijack: true } : {}),
    })) as NodeJS.ReadWriteStream;
    const out = new PassThrough();
    // Without a TTY the daemon multiplexes stdout and stderr in frames; both go to one log.
    container.modem.demuxStream(raw, out, out);
    raw.on('end', () => out.end());
    const copied = (async () => {
      const logged = logWriter(log, opts.redact);
      for await (const chunk of out) {
        tail.push(String(chunk));
        await logged.write(chunk as Buffer);
      }
      tail.end();
      logged.end();
      await new Promise<void>((resolve) => log.end(resolve));
    })();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    await container.start();
    // Read by the command's `dd`s, exactly as many bytes as each file has; then stdin closes.
    if (opts.secretFiles !== undefined) raw.end(Buffer.concat([...opts.secretFiles.files.values()]));
    const result = (await container.wait()) as { StatusCode?: number };
    await copied;
    if (opts.signal.aborted) throw new InterruptedError('SIGINT');
    if (result.StatusCode !== 0) {
      throw streamFailure(opts, `exit status ${String(result.StatusCode)}`, tail.lines);
    }
    await copyOut(container, opts);
  } catch (e) {
    throw translate(opts.label, e);
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await container.remove({ force: true }).catch(() => {});
  }
}

/**
 * `cmd` after writing the secret files from standard input into the tmpfs: `dd bs=1` reads
 * exactly each file's bytes (a buffered reader could take the next file's), with a umask that
 * leaves them to the step's user alone.
 */
function withSecretFiles(secrets: NonNullable<RunContainerOptions['secretFiles']>, cmd: string[]): string[] {
  for (const name of secrets.files.keys())
    if (!new RegExp(SECRET_ID_PATTERN).test(name)) throw new InternalError(`secret file name "${name}"`);
  const writes = [...secrets.files].map(
    ([name, value]) => `dd bs=1 count=${value.length} of='${secrets.dir}/${name}' 2>/dev/null`,
  );
  return ['/bin/sh', '-c', ['umask 077', ...writes, 'exec "$@"'].join(' && '), 'sh', ...cmd];
}

function createOptions(opts: RunContainerOptions): Dockerode.ContainerCreateOptions {
  return {
    Image: opts.image,
    Cmd: opts.secretFiles !== undefined ? withSecretFiles(opts.secretFiles, opts.cmd) : opts.cmd,
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(opts.user !== undefined ? { User: opts.user } : {}),
    ...(opts.workingDir !== undefined ? { WorkingDir: opts.workingDir } : {}),
    ...(opts.secretFiles !== undefined
      ? {
          OpenStdin: true,
          StdinOnce: true,
          AttachStdin: true,
          HostConfig: { Tmpfs: { [opts.secretFiles.dir]: 'rw,nosuid,nodev,noexec,mode=1777,size=4m' } },
        }
      : {}),
  };
}

/** After a successful run: `copyOut` folders onto the host, `collect` archives to their reader. */
async function copyOut(container: Dockerode.Container, opts: RunContainerOptions): Promise<void> {
  for (const c of opts.copyOut ?? []) {
    const archive = (await container.getArchive({ path: c.containerPath })) as unknown as Readable;
    await extractFromContainer(archive, c, opts.label);
  }
  for (const path of opts.collect?.paths ?? []) {
    const archive = await container.getArchive({ path }).catch((e: { statusCode?: number }) => {
      if (e.statusCode === 404) return undefined;
      throw e;
    });
    if (archive !== undefined) await opts.collect?.read(path, archive as unknown as Readable);
  }
}
