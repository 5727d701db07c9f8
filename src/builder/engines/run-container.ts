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
  const fromStdin = stdinFiles(opts);
  try {
    container = await docker.createContainer(createOptions(opts, fromStdin));
  } catch (e) {
    throw translate(opts.label, e);
  }
  const onAbort = () => void container.kill().catch(() => {});
  let output: AttachedOutput | undefined;
  let succeeded = false;
  try {
    // Copied, not bind-mounted, so an engine on another machine works too.
    for (const c of opts.copyIn ?? []) await container.putArchive(await packForContainer(c), { path: '/' });
    output = await attachOutput(container, opts, fromStdin.length > 0);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    await container.start();
    // Read by the command's `dd`s, exactly as many bytes as each file has; then stdin closes.
    if (fromStdin.length > 0) output.raw.end(Buffer.concat(fromStdin.map((f) => f.bytes)));
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
    if (opts.keepAs !== undefined) await keep(container, opts.keepAs);
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

/** The stopped container as image `keepAs.ref` (its environment never was in its config: `stdinFiles`). */
async function keep(
  container: Dockerode.Container,
  keepAs: NonNullable<RunContainerOptions['keepAs']>,
): Promise<void> {
  const at = keepAs.ref.lastIndexOf(':');
  await container.commit({
    _query: { container: container.id, repo: keepAs.ref.slice(0, at), tag: keepAs.ref.slice(at + 1) },
    _body: { Labels: keepAs.labels },
  });
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
  stdin: boolean,
): Promise<AttachedOutput> {
  const log = await openLog(opts.logFile);
  const tail = new LineTail(20, opts.onLine);
  const raw = (await container.attach({
    stream: true,
    stdout: true,
    stderr: true,
    ...(stdin ? { stdin: true, hijack: true } : {}),
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
 * A kept container's environment, in memory (a tmpfs) and read by its shell: the daemon keeps
 * the config of the container it commits (`container_config`), values and all.
 */
const ENV_FILE = '/run/taskcluster-installer-env/env';

interface StdinFile {
  path: string;
  bytes: Uint8Array;
}

/** What the command's wrapper reads from standard input into memory: the secret files, a kept container's environment. */
function stdinFiles(opts: RunContainerOptions): StdinFile[] {
  const secrets = opts.secretFiles;
  const files = [...(secrets?.files ?? [])].map(([name, bytes]) => {
    if (!new RegExp(SECRET_ID_PATTERN).test(name)) throw new InternalError(`secret file name "${name}"`);
    return { path: `${secrets?.dir ?? ''}/${name}`, bytes };
  });
  const env = Object.entries(opts.env ?? {});
  if (opts.keepAs === undefined || env.length === 0) return files;
  const text = env.map(([name, value]) => `export ${name}=${shQuote(value)}\n`).join('');
  return [{ path: ENV_FILE, bytes: Buffer.from(text) }, ...files];
}

/**
 * `cmd` after writing `files` from standard input into their memory file systems: `dd bs=1`
 * reads exactly each file's bytes (a buffered reader could take the next file's), with a umask
 * that leaves them to the step's user alone, in a subshell so the command keeps the image's
 * umask; then the environment file, if any, is read.
 */
function withStdinFiles(files: readonly StdinFile[], cmd: string[]): string[] {
  const writes = files.map((f) => `dd bs=1 count=${f.bytes.length} of=${shQuote(f.path)} 2>/dev/null`);
  const env = files.some((f) => f.path === ENV_FILE) ? [`. ${ENV_FILE}`] : [];
  const script = [`(${['umask 077', ...writes].join(' && ')})`, ...env, 'exec "$@"'].join(' && ');
  return ['/bin/sh', '-c', script, 'sh', ...cmd];
}

/**
 * `cmd` with its standard output sent to standard error, then, once it exited 0, the archive
 * of the `collect` folders that exist and are not empty on standard output (nothing when none
 * does). Empty ones are skipped as missing ones are: a memory file system's mount point is
 * there whether or not the command made the folder.
 */
function withCollect(collect: NonNullable<RunContainerOptions['collect']>, cmd: string[]): string[] {
  const folders = collect.paths.map((p) => shQuote(p.replace(/^\/+/, ''))).join(' ');
  const leaveOut = (collect.leaveOut ?? []).map((name) => ` --exclude=${shQuote(name)}`).join('');
  const script = [
    '"$@" 1>&2 || exit $?',
    'cd /',
    'set --',
    `for p in ${folders}; do if [ -n "$(ls -A "$p" 2>/dev/null)" ]; then set -- "$@" "$p"; fi; done`,
    'if [ $# -eq 0 ]; then exit 0; fi',
    // Busybox builds without FEATURE_TAR_FROM have no --exclude: the reader drops those then.
    ...(leaveOut !== ''
      ? [`if tar --help 2>&1 | grep -q -e --exclude; then exec tar -cf -${leaveOut} "$@"; fi`]
      : []),
    'exec tar -cf - "$@"',
  ].join('\n');
  return ['/bin/sh', '-c', script, 'sh', ...cmd];
}

function createOptions(
  opts: RunContainerOptions,
  fromStdin: readonly StdinFile[],
): Dockerode.ContainerCreateOptions {
  const cmd = opts.collect !== undefined ? withCollect(opts.collect, opts.cmd) : opts.cmd;
  const tmpfs: Record<string, string> = {};
  // exec: packages' binaries and install scripts run from node_modules.
  if (opts.collect?.inMemory === true)
    for (const p of opts.collect.paths) tmpfs[p] = 'rw,exec,nosuid,nodev,mode=1777';
  for (const p of opts.memoryFolders ?? []) tmpfs[p] = 'rw,exec,nosuid,nodev,mode=1777';
  for (const dir of new Set(fromStdin.map((f) => f.path.slice(0, f.path.lastIndexOf('/')))))
    tmpfs[dir] = 'rw,nosuid,nodev,noexec,mode=1777,size=4m';
  const envFile = fromStdin.some((f) => f.path === ENV_FILE);
  return {
    Image: opts.image,
    Cmd: fromStdin.length > 0 ? withStdinFiles(fromStdin, cmd) : cmd,
    Env: envFile ? [] : Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(opts.user !== undefined ? { User: opts.user } : {}),
    ...(opts.workingDir !== undefined ? { WorkingDir: opts.workingDir } : {}),
    ...(fromStdin.length > 0 ? { OpenStdin: true, StdinOnce: true, AttachStdin: true } : {}),
    HostConfig: {
      // The output is read through the attached streams; the daemon's copy of it (an archive,
      // with `collect`) would only be written to its disk.
      LogConfig: { Type: 'none', Config: {} },
      ...(Object.keys(tmpfs).length > 0 ? { Tmpfs: tmpfs } : {}),
    },
  };
}
