import { access, constants, readFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { exists } from '../../core/atomic-fs.js';
import { LineTail, logWriter, openLog } from '../../core/exec.js';
import { makeDirectory } from '../../core/make-directory.js';
import { InterruptedError } from '../../core/user-error.js';
import type { ImageSource } from '../../inputs/oci-types.js';
import type { EngineOutput } from '../engines/docker-engine.js';
import { streamFailure } from '../engines/follow-engine-stream.js';
import { containerUser } from './runc/container-user.js';
import { cachedRootfs } from './runc/rootfs-cache.js';
import { createBundle, removeAbandonedBundles, removeBundle } from './runc/runc-bundle.js';
import { HOSTNAME, parseBind, runcConfig } from './runc/runc-config.js';
import { runcRun, type StepOutput } from './runc/runc-run.js';
import { SetupError } from './runc/setup-error.js';

export interface RuncRunOptions extends EngineOutput {
  image: ImageSource;
  cmd: string[];
  /** Added to, or overriding, the image's Env. */
  env?: Record<string, string>;
  /** `uid[:gid]` or `name[:group]` of the image; default the image's User, else root. */
  user?: string;
  /** Default the image's WorkingDir, else `/`. */
  workingDir?: string;
  /** Bind mounts `hostPath:containerPath[:ro]`, as RunContainerOptions.binds. */
  binds?: string[];
}

export interface RuncRunner {
  /** A folder of the build's base dir: unpacked images, bundles and runc's state live here. */
  stateDir: string;
  /** The runc binary; `runc` on PATH by default. */
  runc?: string;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Bound read-only into every container: it shares the host's network, so its name service. */
const HOST_FILES = ['/etc/resolv.conf', '/etc/hosts'];

/**
 * Runs `cmd` in a fresh container of `image` with runc, without a Docker daemon, like the
 * Docker engine's runContainer: the image's Entrypoint comes first, output goes to the log
 * file and `onLine`, a non-zero exit is the UserError `<label> failed: exit status N` with the
 * last log lines and the log path, and on abort the container is killed and deleted before
 * this returns (InterruptedError). The image is unpacked once per config digest under
 * `stateDir`; each run writes to an overlay of its own, so nothing a step does reaches the
 * next one. Containers left by a killed build are removed first.
 */
export async function runWithRunc(opts: RuncRunOptions, runner: RuncRunner): Promise<void> {
  if (opts.signal.aborted) throw new InterruptedError('SIGINT');
  const unavailable = await runcUnavailable(runner);
  if (unavailable !== undefined) throw streamFailure(opts, unavailable, []);
  const runc = runner.runc ?? 'runc';
  const stateDir = resolve(runner.stateDir);
  const log = await openLog(opts.logFile);
  const tail = new LineTail(20, opts.onLine);
  const logged = logWriter(log, opts.redact);
  const output: StepOutput = {
    push: (text) => tail.push(text),
    write: (chunk) => logged.write(chunk),
  };
  const say = (line: string) => {
    output.push(`${line}\n`);
    log.write(`${line}\n`);
  };
  let id: string | undefined;
  try {
    await removeAbandonedBundles(stateDir, runc);
    const rootfs = await cachedRootfs(opts.image, stateDir, { signal: opts.signal, say });
    if (opts.signal.aborted) throw new InterruptedError('SIGINT');
    const config = await containerConfig(opts, rootfs);
    id = await createBundle(stateDir, rootfs, config);
    const code = await runcRun(runc, stateDir, id, output, opts.signal);
    tail.end();
    if (opts.signal.aborted) throw new InterruptedError('SIGINT');
    if (code !== 0) throw streamFailure(opts, `exit status ${code}`, tail.lines);
  } catch (e) {
    if (opts.signal.aborted) throw new InterruptedError('SIGINT');
    if (e instanceof SetupError) throw streamFailure(opts, e.message, tail.lines);
    throw e;
  } finally {
    if (id !== undefined) await removeBundle(stateDir, runc, id);
    logged.end();
    await new Promise<void>((r) => log.end(r));
  }
}

/** The runtime config for this run: process from the options over the image's config. */
async function containerConfig(opts: RuncRunOptions, rootfs: string): Promise<object> {
  const image = opts.image.config.config ?? {};
  const user = await containerUser(rootfs, opts.user ?? image.User);
  const env = new Map<string, string>([['PATH', DEFAULT_PATH]]);
  for (const kv of image.Env ?? []) {
    const eq = kv.indexOf('=');
    env.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
  }
  env.set('HOSTNAME', HOSTNAME);
  for (const [k, v] of Object.entries(opts.env ?? {})) env.set(k, v);
  if (!env.has('HOME')) env.set('HOME', user.home);
  const cwd = opts.workingDir ?? (image.WorkingDir || '/');
  if (!cwd.startsWith('/')) throw new SetupError(`working directory "${cwd}" is not an absolute path`);
  const args = [...(image.Entrypoint ?? []), ...opts.cmd];
  if (args.length === 0) throw new SetupError('no command to run (empty cmd and no Entrypoint in the image)');
  const binds = (opts.binds ?? []).map(parseBind);
  // As Docker does for `Binds`, a missing host folder is created.
  for (const b of binds) makeDirectory(b.source);
  const hostFiles = [];
  for (const f of HOST_FILES) if (await exists(f)) hostFiles.push(f);
  return runcConfig({ args, env: [...env].map(([k, v]) => `${k}=${v}`), cwd, user }, binds, hostFiles);
}

/**
 * Whether runc can be used here: undefined when it can, else a one-line reason for the
 * caller's error ("runc not found on PATH", "runc needs root here (running as uid 1000)").
 * The overlay root filesystem also needs `mount`/`umount` and the kernel's overlay support.
 */
export async function runcUnavailable(runner: { runc?: string }): Promise<string | undefined> {
  const runc = runner.runc ?? 'runc';
  if ((await findExecutable(runc)) === undefined) {
    return runc.includes('/') ? `runc not found at ${runc}` : `${runc} not found on PATH`;
  }
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return `runc needs root here (running as uid ${uid})`;
  for (const tool of ['mount', 'umount']) {
    if ((await findExecutable(tool)) === undefined)
      return `${tool} not found on PATH (runc steps mount an overlay)`;
  }
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  if (!/\toverlay$/m.test(filesystems))
    return 'the kernel has no overlay filesystem (try `modprobe overlay`)';
  return undefined;
}

async function findExecutable(name: string): Promise<string | undefined> {
  const candidates = name.includes('/')
    ? [name]
    : (process.env['PATH'] ?? '').split(delimiter).map((d) => join(d, name));
  for (const c of candidates)
    if (
      await access(c, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return c;
  return undefined;
}
