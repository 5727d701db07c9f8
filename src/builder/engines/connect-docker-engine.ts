import type Dockerode from 'dockerode';
import type { Agent } from 'node:http';
import type { Readable } from 'node:stream';
import { OnceByKey } from '../../core/once-by-key.js';
import { InterruptedError, UserError } from '../../core/user-error.js';
import type { Digest, ImageRef, RegistryCredentials } from '../../inputs/types.js';
import type {
  BuildImageOptions,
  BuildkitOnEngineOptions,
  DockerEngine,
  ImageInfo,
  ListedImage,
} from './docker-engine.js';
import {
  engineEndpoint,
  engineUnreachable,
  EngineUnreachableError,
  isUnreachable,
  type EngineEndpoint,
} from './engine-endpoint.js';
import { engineGet } from './engine-get.js';
import { followEngineStream } from './follow-engine-stream.js';
import { sshDialAgent } from './ssh-dial-agent.js';

/** Pull and push failures: the daemon's reason tells refused credentials from a registry that is down. */
function registryHint(reason: string): string | undefined {
  if (/unauthori[sz]ed|authentication required|denied|forbidden/i.test(reason)) {
    return 'check the credentials for this registry (build config docker.registries, or ~/.docker/config.json)';
  }
  if (/dial tcp|connection refused|no such host|i\/o timeout|EOF/i.test(reason)) {
    return 'check that the registry is running and reachable from the Docker daemon';
  }
  if (/received unexpected HTTP status: 5\d\d|Retrying in/i.test(reason)) {
    return 'the registry failed with server errors until the Docker daemon gave up; try again later';
  }
  return undefined;
}

/** The Docker Engine of `DOCKER_HOST` (default: the local socket). */
export function connectDockerEngine(env: NodeJS.ProcessEnv = process.env): DockerEngine {
  return connectEngine(engineEndpoint(env));
}

/**
 * The Docker Engine at `endpoint`. Nothing is contacted until the first call; cheap queries go
 * through a hand-written GET, and dockerode is imported on the first build, pull, push or run.
 */
export function connectEngine(endpoint: EngineEndpoint): DockerEngine {
  return new EngineClient(endpoint);
}

class EngineClient implements DockerEngine {
  private dockerode: Promise<Dockerode> | undefined;
  /** Concurrent pulls of one image (several services on one base image) share one pull. */
  private readonly pulls = new OnceByKey<string, void>();

  constructor(private readonly endpoint: EngineEndpoint) {}

  async imageInfo(ref: string): Promise<ImageInfo | undefined> {
    if (!/^[\w.\-/:@]+$/.test(ref)) throw new UserError({ message: `invalid image reference "${ref}"` });
    const { status, body } = await engineGet(this.endpoint, `/images/${ref}/json`);
    if (status === 404) return undefined;
    const obj = (body ?? {}) as {
      Id?: unknown;
      RepoDigests?: unknown;
      RootFS?: { Layers?: unknown };
      message?: unknown;
    };
    if (status !== 200 || typeof obj.Id !== 'string') {
      throw new UserError({
        message: `the Docker daemon could not look up image "${ref}": ${String(obj.message ?? `HTTP ${status}`)}`,
      });
    }
    const repoDigests = Array.isArray(obj.RepoDigests) ? obj.RepoDigests.map(String) : [];
    const layers = Array.isArray(obj.RootFS?.Layers) ? obj.RootFS.Layers.map(String) : [];
    return { id: obj.Id, repoDigests, layers };
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.imageInfo(ref)) !== undefined;
  }

  pull(ref: string, auth: RegistryCredentials | undefined, signal?: AbortSignal): Promise<void> {
    // Shared only while it runs: an image removed later is pulled again.
    return this.pulls.get(ref, () => this.doPull(ref, auth, signal).finally(() => this.pulls.forget(ref)));
  }

  private async doPull(
    ref: string,
    auth: RegistryCredentials | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const label = `pulling ${ref}`;
    const docker = await this.docker();
    const stream = await this.call(
      label,
      () => docker.pull(ref, { ...authOption(auth), ...(signal ? { abortSignal: signal } : {}) }),
      registryHint,
    );
    await this.call(label, () =>
      followEngineStream(stream, { label, onLine: () => {}, hint: registryHint, ...signalOpt(signal) }),
    );
  }

  async tag(source: string, target: ImageRef): Promise<void> {
    const docker = await this.docker();
    const { repo, tag } = splitTag(target);
    await this.call(`tagging ${source} as ${target}`, () => docker.getImage(source).tag({ repo, tag }));
  }

  async push(
    ref: ImageRef,
    auth: RegistryCredentials | undefined,
    onLine: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<Digest> {
    const label = `pushing ${ref}`;
    const docker = await this.docker();
    const { repo, tag } = splitTag(ref);
    const stream = await this.call(
      label,
      () =>
        docker.getImage(repo).push({ tag, ...authOption(auth), ...(signal ? { abortSignal: signal } : {}) }),
      registryHint,
    );
    const aux = await this.call(label, () =>
      followEngineStream(stream, { label, onLine, hint: registryHint, ...signalOpt(signal) }),
    );
    // The digest of what the registry stored is only in the final aux event; without it we
    // cannot claim the push happened.
    for (const a of aux.reverse()) {
      const digest = (a as { Digest?: unknown } | null)?.Digest;
      if (typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest)) return digest as Digest;
    }
    throw new UserError({ message: `${label} failed: the Docker daemon reported no digest` });
  }

  async removeImage(ref: string): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getImage(ref).remove();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return;
      throw this.translate(`removing image ${ref}`, e);
    }
  }

  async imagesLabelled(label: string): Promise<ListedImage[]> {
    const docker = await this.docker();
    const images = await this.call(`listing images labelled ${label}`, () =>
      docker.listImages({ filters: { label: [label] } }),
    );
    return images.map((i) => ({ id: i.Id, created: i.Created }));
  }

  async buildImage(opts: BuildImageOptions): Promise<void> {
    const docker = await this.docker();
    const stream = await this.call(opts.label, () =>
      docker.buildImage(opts.context, {
        t: opts.tag,
        dockerfile: opts.dockerfile,
        ...(opts.buildArgs ? { buildargs: opts.buildArgs } : {}),
        ...(opts.target !== undefined ? { target: opts.target } : {}),
        // The Engine API wants a JSON list here; dockerode would send an array as repeated keys.
        ...(opts.cacheFrom !== undefined ? { cachefrom: JSON.stringify(opts.cacheFrom) } : {}),
        nocache: opts.noCache,
        // Base images are resolved (and pulled with our credentials) before the build, and
        // their digests are in the build key: the build must use exactly those.
        pull: false,
        // No intermediate container may outlive the build, failed or not.
        rm: true,
        forcerm: true,
        abortSignal: opts.signal,
      }),
    );
    // The legacy builder names each RUN container in its output; on abort we remove the one
    // running rather than trust the daemon to notice the closed connection in time.
    let running: string | undefined;
    const onLine = (line: string) => {
      const m = /^ ---> Running in ([0-9a-f]{12,64})\b/.exec(line);
      if (m) running = m[1];
      opts.onLine(line);
    };
    let aux: unknown[];
    try {
      aux = await followEngineStream(stream, { ...opts, onLine });
    } catch (e) {
      if (opts.signal.aborted && running !== undefined) {
        await docker
          .getContainer(running)
          .remove({ force: true })
          .catch(() => {});
      }
      throw this.translate(opts.label, e);
    }
    // The legacy builder ends a build with the image ID; a stream cut short without an error
    // (an engine going away) must not pass for a built image.
    const built = aux.some((a) => typeof (a as { ID?: unknown } | null)?.ID === 'string');
    if (!built) await this.mustHave(opts);
  }

  async buildWithBuildkit(opts: BuildkitOnEngineOptions): Promise<void> {
    // Lazy: it loads node:tls, which a build that skips every service never needs.
    const { engineDial } = await import('./engine-dial.js');
    const engine = {
      dial: engineDial(this.endpoint),
      name: this.endpoint.display,
      cacheFrom: opts.cacheFrom ?? [],
    };
    const imageId = await this.call(opts.label, () => opts.run(engine));
    if (imageId === undefined) await this.mustHave(opts);
  }

  /** A build whose stream ended without an image ID built nothing unless its tag is here. */
  private async mustHave(opts: { tag: ImageRef; label: string; logFile: string }): Promise<void> {
    if ((await this.imageInfo(opts.tag)) !== undefined) return;
    throw new EngineUnreachableError(
      this.endpoint.id,
      `${opts.label} failed: the Docker daemon at ${this.endpoint.display} stopped before the build ended`,
      `full log: ${opts.logFile}`,
      undefined,
    );
  }

  async runContainer(opts: Parameters<DockerEngine['runContainer']>[0]): Promise<void> {
    const docker = await this.docker();
    const { runContainer } = await import('./run-container.js');
    await runContainer(docker, opts, (label, e) => this.translate(label, e));
  }

  async unreachable(): Promise<string | undefined> {
    try {
      await engineGet(this.endpoint, '/_ping');
      return undefined;
    } catch (e) {
      if (e instanceof UserError) return e.problems[0]?.message ?? e.message;
      throw e;
    }
  }

  async exportImage(ref: string, signal?: AbortSignal): Promise<Readable> {
    const docker = await this.docker();
    const label = `exporting image ${ref} from the Docker daemon`;
    const stream = (await this.call(label, () => docker.getImage(ref).get())) as unknown as Readable;
    signal?.addEventListener('abort', () => stream.destroy(new InterruptedError('SIGINT')), { once: true });
    return stream;
  }

  async loadImage(archive: Readable, label: string, signal?: AbortSignal): Promise<void> {
    const { engineLoad } = await import('./engine-load.js');
    await this.call(label, () => engineLoad(this.endpoint, archive, label, signal));
  }

  private docker(): Promise<Dockerode> {
    this.dockerode ??= import('dockerode').then(
      ({ default: Docker }) => new Docker(modemOptions(this.endpoint)),
    );
    return this.dockerode;
  }

  private async call<T>(
    label: string,
    fn: () => Promise<T>,
    hint?: (reason: string) => string | undefined,
  ): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.translate(label, e, hint);
    }
  }

  /** dockerode's errors as the user should see them: unreachable daemon, refused request. */
  private translate(label: string, e: unknown, hint?: (reason: string) => string | undefined): Error {
    if (e instanceof UserError || e instanceof InterruptedError) return e;
    if ((e as Error).name === 'AbortError') return new InterruptedError('SIGINT');
    if (isUnreachable(e)) return engineUnreachable(this.endpoint, e);
    const err = e as { statusCode?: number; json?: { message?: unknown }; message?: string };
    if (err.statusCode !== undefined) {
      const reason = String(err.json?.message ?? err.message ?? `HTTP ${err.statusCode}`);
      const h = hint?.(reason);
      return new UserError(
        { message: `${label} failed: ${reason}`, ...(h !== undefined ? { hint: h } : {}) },
        { cause: e },
      );
    }
    return e as Error;
  }
}

/**
 * docker-modem fills in every option not given from `DOCKER_HOST`, `DOCKER_TLS_VERIFY` and
 * `DOCKER_CERT_PATH`: with several engines, each must say all of where it is, so that none
 * inherits the address or certificates of another.
 */
function modemOptions(ep: EngineEndpoint): Dockerode.DockerOptions & { agent?: Agent } {
  const none = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
  };
  switch (ep.kind) {
    case 'unix':
      return { ...none, socketPath: ep.socketPath, protocol: 'http' };
    case 'tcp':
      return { ...none, host: ep.host, port: ep.port, protocol: ep.tls ? 'https' : 'http', ...ep.tls };
    case 'ssh':
      // Requests go through the agent's ssh sessions (docker-modem honours `agent`, its types do
      // not say so); the host name only fills the request line.
      return { ...none, host: 'docker', protocol: 'http', agent: sshDialAgent(ep) };
    default: {
      const never: never = ep;
      return never;
    }
  }
}

/** `X-Registry-Auth` is built in memory from the credentials; nothing is written to disk. */
function authOption(auth: RegistryCredentials | undefined): { authconfig?: Dockerode.AuthConfig } {
  return auth ? { authconfig: { username: auth.username, password: auth.password } } : {};
}

function signalOpt(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

/** `host:5000/a/b:tag` → repo `host:5000/a/b`, tag `tag` (the colon after the last slash). */
function splitTag(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}
