import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { openLog } from '../../core/exec.js';
import { InterruptedError, UserError } from '../../core/user-error.js';
import { buildkitFailure } from './buildkit-failure.js';
import { openBuildkitSession, type BuildkitSessionOptions } from './buildkit-session.js';
import { BuildkitStatus } from './buildkit-status.js';
import { SessionRefusedError, type EngineDial } from './buildkit-upgrade.js';

export interface BuildkitBuildOptions extends Omit<BuildkitSessionOptions, 'signal'> {
  dial: EngineDial;
  /** The build context as a tar stream (with `.dockerignore` applied and the Dockerfile in it). */
  context: Readable;
  /** The Dockerfile's path inside the context. */
  dockerfile: string;
  /** Its text as sent, for the errors that must name what in it failed (`# syntax=`, heredocs). */
  dockerfileText: string;
  tag: string;
  buildArgs?: Record<string, string>;
  target?: string;
  /** Images whose BuildKit cache (inline, in their config) the build may use: local or in a registry. */
  cacheFrom?: string[];
  /** Writes BuildKit's cache metadata into the image (`BUILDKIT_INLINE_CACHE=1`), for `cacheFrom` elsewhere. */
  inlineCache?: boolean;
  noCache: boolean;
  /** Full step output is appended here (created with its folder). */
  logFile: string;
  /** Each step line (`#4 [2/3] RUN make`, `#4 0.51 output`, `#4 DONE 3.1s`), secret values masked. */
  onLine(line: string): void;
  /** Masks the secrets a step may print (`BuildContext.redact`), in every line and the error. */
  redact(text: string): string;
  signal: AbortSignal;
  /** Names the work in errors: `service "api": docker build`. */
  label: string;
  /** Names the engine in the error of one that opens no BuildKit session. */
  engine?: string;
}

export interface BuildkitBuildResult {
  /** The built image's ID; undefined when the stream ended without one (an engine that went away). */
  imageId?: string;
}

/**
 * Builds an image with the engine's BuildKit: opens a session that serves this build's secrets
 * and registry logins, sends `POST /build?version=2&session=…` with the context over a new
 * connection from `dial`, and follows the answer. The engine answers HTTP 200 and reports
 * failure inside the stream, so every message is read: progress (`moby.buildkit.trace`) becomes
 * step lines for the log file and `onLine`, the image ID ends a success, `errorDetail` a failure.
 * Secrets are masked (`redact`) in every line, in case a step prints one.
 * Connection failures are thrown as they come (with their `code`), for the caller to tell an
 * engine that went away from a build that failed.
 */
export async function buildkitBuild(opts: BuildkitBuildOptions): Promise<BuildkitBuildResult> {
  const session = await openBuildkitSession({ ...opts, signal: opts.signal }).catch((e: unknown) => {
    if (!(e instanceof SessionRefusedError)) throw e;
    const engine = opts.engine !== undefined ? `the Docker engine at ${opts.engine}` : 'the engine';
    throw new UserError({
      message: `${opts.label} failed: ${engine} opens no BuildKit session (${e.message})`,
      hint: 'BuildKit through the Engine API needs Docker Engine 18.09 or later; build this service with the legacy builder: builder: legacy on the service, or docker.builder: legacy in the build config',
    });
  });
  const log = await openLog(opts.logFile);
  const status = new BuildkitStatus();
  let imageId: string | undefined;
  let failure: string | undefined;
  const write = async (line: string) => {
    const text = opts.redact(line);
    opts.onLine(text);
    if (!log.write(text + '\n')) await once(log, 'drain');
  };
  try {
    const answer = await postBuild(opts, session.id);
    for await (const message of jsonLines(answer)) {
      const aux = message['aux'];
      if (message['id'] === 'moby.buildkit.trace' && typeof aux === 'string') {
        for (const line of status.addTrace(aux)) await write(line);
      } else if (message['id'] === 'moby.image.id') {
        const id = (aux as { ID?: unknown } | undefined)?.ID;
        if (typeof id === 'string') imageId = id;
      } else if (message['errorDetail'] !== undefined || message['error'] !== undefined) {
        const detail = message['errorDetail'] as { message?: unknown } | undefined;
        failure = String(detail?.message ?? message['error']);
      } else if (typeof message['stream'] === 'string') {
        for (const line of message['stream'].split('\n')) if (line !== '') await write(line);
      }
    }
  } catch (e) {
    if (opts.signal.aborted) throw new InterruptedError('SIGINT');
    throw e;
  } finally {
    session.close();
    await new Promise<void>((resolve) => log.end(resolve));
  }
  if (opts.signal.aborted) throw new InterruptedError('SIGINT');
  if (failure !== undefined) {
    const error = buildkitFailure({ ...opts, reason: failure, failed: status.failedStep() });
    throw masked(error, opts.redact);
  }
  return imageId !== undefined ? { imageId } : {};
}

/** The build request; its answer once the engine has accepted it (HTTP 200). */
async function postBuild(opts: BuildkitBuildOptions, session: string): Promise<IncomingMessage> {
  const buildArgs = { ...opts.buildArgs, ...(opts.inlineCache ? { BUILDKIT_INLINE_CACHE: '1' } : {}) };
  const query = new URLSearchParams({
    version: '2',
    session,
    t: opts.tag,
    dockerfile: opts.dockerfile,
    buildargs: JSON.stringify(buildArgs),
    ...(opts.target !== undefined ? { target: opts.target } : {}),
    ...(opts.cacheFrom !== undefined ? { cachefrom: JSON.stringify(opts.cacheFrom) } : {}),
    ...(opts.noCache ? { nocache: '1' } : {}),
  });
  const req = request({
    createConnection: opts.dial as never,
    method: 'POST',
    path: `/build?${query.toString()}`,
    headers: { Host: 'docker', 'Content-Type': 'application/x-tar' },
    signal: opts.signal,
  });
  opts.context.on('error', (e) => req.destroy(e));
  opts.context.pipe(req);
  const [answer] = (await once(req, 'response')) as [IncomingMessage];
  if (answer.statusCode === 200) return answer;
  let body = '';
  for await (const chunk of answer) body += String(chunk);
  let reason = body.trim();
  try {
    reason = String((JSON.parse(body) as { message?: unknown }).message ?? reason);
  } catch {
    // not JSON: the text itself
  }
  throw new UserError({
    message: `${opts.label} failed: the engine refused the build (HTTP ${answer.statusCode}): ${reason}`,
  });
}

/** The JSON messages of a streamed answer, one per line. */
async function* jsonLines(stream: IncomingMessage): AsyncGenerator<Record<string, unknown>> {
  let partial = '';
  for await (const chunk of stream) {
    const lines = (partial + String(chunk)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') yield parse(line);
  }
  if (partial.trim() !== '') yield parse(partial);
}

/** A line that is not JSON (never seen from an engine) is kept as output rather than lost. */
function parse(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { stream: line };
  }
}

function masked(error: UserError, redact: (text: string) => string): UserError {
  return new UserError(
    error.problems.map((p) => ({
      ...p,
      message: redact(p.message),
      ...(p.hint !== undefined ? { hint: redact(p.hint) } : {}),
    })),
    { details: error.details.map((l) => redact(l)) },
  );
}
