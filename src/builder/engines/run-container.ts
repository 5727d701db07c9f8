import type Dockerode from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import { LineTail, logWriter, openLog } from '../../core/exec.js';
import { InternalError, InterruptedError } from '../../core/user-error.js';
import type { RunContainerOptions } from './docker-engine.js';
import { extractFromContainer, packForContainer } from './container-files.js';
import { demuxAttachStream } from './demux-attach-stream.js';
import { streamFailure } from './follow-engine-stream.js';
import { SECRET_ID_PATTERN } from '../../inputs/build-schema.js';
import { inChunksOf } from '../../core/in-chunks-of.js';
import { shQuote } from '../../core/sh-quote.js';

/**
 * Runs one container to completion with its output in the log file, and removes it whatever
 * happens (after success, in the background with `removeLater`). `copyIn` folders are put into
 * it before it starts, `copyOut` folders fetched after it exited 0; `collect` folders come
 * through its standard output (see RunContainerOptions); `secretFiles` live in a tmpfs of the
 * container. On abort it is killed and removed before this returns, so an interrupted build
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
    container = await docker.createContainer(createOptions(opts));
  } catch (e) {
    throw translate(opts.label, e);
  }
  const onAbort = () => void container.kill().catch(() => {});
  let output: AttachedOutput | undefined;
  let succeeded = false;
  try {
    // Copied, not bind-mounted, so an engine on another machine works too.
    for (const c of opts.copyIn ?? []) await container.putArchive(await packForContainer(c), { path: '/' });
    output = await attachOutput(container, opts);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    await container.start();
    // Read by the command's `dd`s, exactly as many bytes as each file has; then stdin closes.
    if (opts.secretFiles !== undefined) output.raw.end(Buffer.concat([...opts.secretFiles.files.values()]));
    const result = (await container.wait()) as { StatusCode?: number };
    await output.logged;
    if (opts.signal.aborted) throw new InterruptedError('SIGINT');
    if (result.StatusCode !== 0) {
      throw streamFailure(opts, `exit status ${String(result.StatusCode)}`, output.tail.lines);
    }
    await output.collected;
    for (const c of opts.copyOut ?? []) {
      const archive = (await container.getArchive({ path: c.containerPath })) as unknown as Readable;
      await extractFromContainer(archive, c, opts.label);
    }
    succeeded = true;
  } catch (e) {
    throw translate(opts.label, e);
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    // A failed run leaves its reader waiting on a stream that has ended: settle it quietly.
    await output?.collected.catch(() => undefined);
    const removal = container.remove({ force: true }).catch(() => {});
    if (succeeded && opts.removeLater !== undefined) opts.removeLater(removal);
    else await removal;
  }
}

interface AttachedOutput {
  /** The attached connection: standard input goes into it. */
  raw: NodeJS.ReadWriteStream;
  tail: LineTail;
  /** Resolves once everything the command printed is in the log. */
  logged: Promise<void>;
  /** Resolves once `collect.read` took the whole archive (at once without `collect`). */
  collected: Promise<void>;
}

/**
 * The container's output, attached before it starts: standard error, and standard output
 * unless it carries the `collect` archive, into the log and the live display's last lines.
 */
async function attachOutput(
  container: Dockerode.Container,
  opts: RunContainerOptions,
): Promise<AttachedOutput> {
  const log = await openLog(opts.logFile);
  const tail = new LineTail(20, opts.onLine);
  const raw = (await container.attach({
    stream: true,
    stdout: true,
    stderr: true,
    ...(opts.secretFiles !== undefined ? { stdin: true, hijack: true } : {}),
  })) as NodeJS.ReadWriteStream;
  const out = new PassThrough();
  // In 1 MB chunks: the archive comes in frames of 512 bytes to 32 kB (see inChunksOf).
  const archive = opts.collect !== undefined ? inChunksOf(1 << 20) : out;
  // Without a TTY the daemon multiplexes stdout and stderr in frames.
  demuxAttachStream(raw, archive, out);
  raw.on('end', () => {
    out.end();
    archive.end();
  });
  const logged = (async () => {
    const written = logWriter(log, opts.redact);
    for await (const chunk of out) {
      tail.push(String(chunk));
      await written.write(chunk as Buffer);
    }
    tail.end();
    written.end();
    await new Promise<void>((resolve) => log.end(resolve));
  })();
  const collected = opts.collect !== undefined ? opts.collect.read(archive) : Promise.resolve();
  collected.catch(() => undefined);
  return { raw, tail, logged, collected };
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

/**
 * `cmd` with its standard output sent to standard error, then, once it exited 0, the archive
 * of the `collect` folders that exist and are not empty on standard output (nothing when none
 * does). Empty ones are skipped as missing ones are: a memory file system's mount point is
 * there whether or not the command made the folder.
 */
function withCollect(collect: NonNullable<RunContainerOptions['collect']>, cmd: string[]): string[] {
  const folders = collect.paths.map((p) => shQuote(p.replace(/^\/+/, ''))).join(' ');
  const script = [
    '"$@" 1>&2 || exit $?',
    'cd /',
    'set --',
    `for p in ${folders}; do if [ -n "$(ls -A "$p" 2>/dev/null)" ]; then set -- "$@" "$p"; fi; done`,
    'if [ $# -gt 0 ]; then exec tar -cf - "$@"; fi',
  ].join('\n');
  return ['/bin/sh', '-c', script, 'sh', ...cmd];
}

function createOptions(opts: RunContainerOptions): Dockerode.ContainerCreateOptions {
  const cmd = opts.collect !== undefined ? withCollect(opts.collect, opts.cmd) : opts.cmd;
  const tmpfs: Record<string, string> = {};
  // exec: packages' binaries and install scripts run from node_modules.
  if (opts.collect?.inMemory === true)
    for (const p of opts.collect.paths) tmpfs[p] = 'rw,exec,nosuid,nodev,mode=1777';
  if (opts.secretFiles !== undefined)
    tmpfs[opts.secretFiles.dir] = 'rw,nosuid,nodev,noexec,mode=1777,size=4m';
  return {
    Image: opts.image,
    Cmd: opts.secretFiles !== undefined ? withSecretFiles(opts.secretFiles, cmd) : cmd,
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(opts.user !== undefined ? { User: opts.user } : {}),
    ...(opts.workingDir !== undefined ? { WorkingDir: opts.workingDir } : {}),
    ...(opts.secretFiles !== undefined ? { OpenStdin: true, StdinOnce: true, AttachStdin: true } : {}),
    HostConfig: {
      // The output is read through the attached streams; the daemon's copy of it (an archive,
      // with `collect`) would only be written to its disk.
      LogConfig: { Type: 'none', Config: {} },
      ...(Object.keys(tmpfs).length > 0 ? { Tmpfs: tmpfs } : {}),
    },
  };
}
