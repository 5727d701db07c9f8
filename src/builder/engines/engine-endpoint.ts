import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/user-error.js';

/**
 * Where a Docker Engine listens, written as Docker writes it (`DOCKER_HOST`, `docker -H`).
 * `id` is the canonical spelling, used in events, warnings and the release; `display` names
 * where the value came from in error messages.
 */
export type EngineEndpoint =
  | { kind: 'unix'; socketPath: string; id: string; display: string }
  | {
      kind: 'tcp';
      host: string;
      port: number;
      tls?: { ca: Buffer; cert: Buffer; key: Buffer };
      id: string;
      display: string;
    }
  | { kind: 'ssh'; host: string; port?: number; user?: string; id: string; display: string };

const DEFAULT_SOCKET = '/var/run/docker.sock';
const FORMS = 'unix:///path/to/docker.sock, tcp://host:port or ssh://user@host[:port]';

/** An endpoint that cannot be used as written; the caller says where it was written. */
export class EndpointError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'EndpointError';
  }
}

export interface ParseEndpointOptions {
  env: NodeJS.ProcessEnv;
  /** How error messages name the engine; default its canonical spelling. */
  display?: string;
  /** A folder with ca.pem, cert.pem and key.pem: TLS for a tcp endpoint, whatever the environment says. */
  certPath?: string;
}

/**
 * Parses `unix://…`, `tcp://host[:port]` (also `http://`, `https://`) or `ssh://[user@]host[:port]`.
 * TLS for tcp follows the docker CLI: on with `DOCKER_TLS_VERIFY=1` (or `https://`, or a
 * `certPath`), certificates from `DOCKER_CERT_PATH` or `~/.docker`, default port 2376 (2375
 * without TLS). Throws EndpointError.
 */
export function parseEngineEndpoint(text: string, opts: ParseEndpointOptions): EngineEndpoint {
  if (text.startsWith('unix://')) {
    const socketPath = text.slice('unix://'.length) || DEFAULT_SOCKET;
    if (!socketPath.startsWith('/')) throw new EndpointError('the socket path must be absolute');
    const id = `unix://${socketPath}`;
    return { kind: 'unix', socketPath, id, display: opts.display ?? id };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EndpointError('is not an engine address', `write it as ${FORMS}`);
  }
  if (!['ssh:', 'tcp:', 'http:', 'https:'].includes(url.protocol)) {
    throw new EndpointError(`the scheme "${url.protocol.slice(0, -1)}" is not supported`, `use ${FORMS}`);
  }
  if (url.password !== '') {
    throw new EndpointError(
      'must not hold a password',
      'ssh engines log in with your ssh keys or ssh-agent, like the docker CLI',
    );
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new EndpointError('must be only a scheme, a host and a port', `write it as ${FORMS}`);
  }
  if (url.hostname === '') throw new EndpointError('names no host', `write it as ${FORMS}`);
  if (url.protocol === 'ssh:') {
    const port = url.port === '' ? undefined : Number(url.port);
    const user = url.username === '' ? undefined : decodeURIComponent(url.username);
    const id = `ssh://${user !== undefined ? `${user}@` : ''}${url.host}`;
    return {
      kind: 'ssh',
      host: url.hostname.replace(/^\[|\]$/g, ''),
      ...(port !== undefined ? { port } : {}),
      ...(user !== undefined ? { user } : {}),
      id,
      display: opts.display ?? id,
    };
  }
  if (url.username !== '') throw new EndpointError('must not hold a user name', `write it as ${FORMS}`);
  const useTls =
    opts.certPath !== undefined || opts.env['DOCKER_TLS_VERIFY'] === '1' || url.protocol === 'https:';
  const port = Number(url.port || (useTls ? 2376 : 2375));
  // URL keeps an IPv6 address in brackets, as an id should; the socket wants it without.
  const id = `tcp://${url.hostname}:${port}`;
  const base = { kind: 'tcp' as const, host: url.hostname.replace(/^\[|\]$/g, ''), port, id };
  const display = opts.display ?? id;
  if (!useTls) return { ...base, display };
  const certDir = opts.certPath ?? opts.env['DOCKER_CERT_PATH'] ?? join(opts.env['HOME'] ?? '', '.docker');
  try {
    const read = (f: string) => readFileSync(join(certDir, f));
    return { ...base, tls: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') }, display };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EndpointError(
      `cannot read the TLS certificates (ca.pem, cert.pem, key.pem) from ${certDir}${code ? ` (${code})` : ''}`,
    );
  }
}

/** The engine of `DOCKER_HOST`, as the docker CLI reads it; without it, the local socket. */
export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost === undefined || dockerHost === '') {
    return {
      kind: 'unix',
      socketPath: DEFAULT_SOCKET,
      id: `unix://${DEFAULT_SOCKET}`,
      display: `the Docker socket ${DEFAULT_SOCKET}`,
    };
  }
  try {
    return parseEngineEndpoint(dockerHost, { env, display: `DOCKER_HOST=${dockerHost}` });
  } catch (e) {
    if (!(e instanceof EndpointError)) throw e;
    throw new UserError({
      message: `DOCKER_HOST=${dockerHost}: ${e.message}`,
      ...(e.hint !== undefined ? { hint: e.hint } : {}),
    });
  }
}

/**
 * An engine that did not answer: refused or reset connections, a missing socket, timeouts, a
 * stream cut before its end. Not a failed build (a non-zero RUN is a plain UserError). The
 * engine pool takes such an engine out of the build and gives its work to the others.
 */
export class EngineUnreachableError extends UserError {
  constructor(
    readonly engine: string,
    message: string,
    hint: string,
    cause: unknown,
  ) {
    super({ message, hint }, { cause });
    this.name = 'EngineUnreachableError';
  }
}

/** The error for an engine that cannot be reached, naming where we looked. */
export function engineUnreachable(endpoint: EngineEndpoint, cause: unknown): EngineUnreachableError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const fromEnv = endpoint.display.startsWith('DOCKER_HOST=') || endpoint.display.startsWith('the Docker');
  const hint =
    code === 'EACCES'
      ? 'this user may not use the Docker socket: add it to the docker group, or run as root'
      : fromEnv
        ? 'start the Docker daemon, or set DOCKER_HOST to where it listens'
        : 'start the Docker daemon there, or leave this engine out (--engine, or engines in the build config)';
  // System codes say it all (ECONNREFUSED); the ssh client's own words say more than its code.
  const why =
    code === undefined ? '' : /^E[A-Z]+$/.test(code) ? ` (${code})` : `: ${(cause as Error).message}`;
  return new EngineUnreachableError(
    endpoint.id,
    `cannot reach the Docker daemon at ${endpoint.display}${why}`,
    hint,
    cause,
  );
}

/** The engine named by an EngineUnreachableError anywhere in `e`'s chain of causes. */
export function unreachableEngineOf(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 10; c = c.cause, depth++) {
    if (c instanceof EngineUnreachableError) return c.engine;
  }
  return undefined;
}

/** The system error code at the root of a connection failure (ECONNRESET, …), else its words. */
export function connectionFailureOf(cause: unknown): string {
  for (let c: unknown = cause, depth = 0; c instanceof Error && depth < 10; c = c.cause, depth++) {
    const code = (c as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return /^E[A-Z]+$/.test(code) ? code : c.message;
  }
  return cause instanceof UserError ? (cause.problems[0]?.message ?? cause.message) : String(cause);
}

/** Connection errors that mean "no daemon answering there", as opposed to a failed request. */
export function isUnreachable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ECONNABORTED' ||
    code === 'EPIPE' ||
    code === 'ENOENT' ||
    code === 'EACCES' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'ETIMEDOUT' ||
    code === 'ERR_SSH_DIAL'
  );
}
