import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/user-error.js';

/** Where the Docker Engine listens, read from `DOCKER_HOST` like the docker CLI does. */
export type EngineEndpoint =
  | { kind: 'unix'; socketPath: string; display: string }
  | {
      kind: 'tcp';
      host: string;
      port: number;
      tls?: { ca: Buffer; cert: Buffer; key: Buffer };
      display: string;
    };

const DEFAULT_SOCKET = '/var/run/docker.sock';

export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost === undefined || dockerHost === '') {
    return { kind: 'unix', socketPath: DEFAULT_SOCKET, display: `the Docker socket ${DEFAULT_SOCKET}` };
  }
  const display = `DOCKER_HOST=${dockerHost}`;
  if (dockerHost.startsWith('unix://')) {
    return { kind: 'unix', socketPath: dockerHost.slice('unix://'.length) || DEFAULT_SOCKET, display };
  }
  let url: URL;
  try {
    url = new URL(dockerHost);
  } catch {
    throw unsupported(dockerHost);
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw unsupported(dockerHost);
  }
  const useTls = env['DOCKER_TLS_VERIFY'] === '1' || url.protocol === 'https:';
  const port = Number(url.port || (useTls ? 2376 : 2375));
  if (!useTls) return { kind: 'tcp', host: url.hostname, port, display };
  const certDir = env['DOCKER_CERT_PATH'] ?? join(env['HOME'] ?? '', '.docker');
  try {
    const read = (f: string) => readFileSync(join(certDir, f));
    return {
      kind: 'tcp',
      host: url.hostname,
      port,
      tls: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') },
      display,
    };
  } catch (e) {
    throw new UserError(
      { message: `cannot read the TLS certificates for ${display} from ${certDir}` },
      { cause: e },
    );
  }
}

function unsupported(dockerHost: string): UserError {
  return new UserError({
    message: `DOCKER_HOST=${dockerHost} is not supported`,
    hint: 'use unix:///path/to/docker.sock or tcp://host:port',
  });
}

/** The error for a daemon that cannot be reached, naming where we looked. */
export function engineUnreachable(endpoint: EngineEndpoint, cause: unknown): UserError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const hint =
    code === 'EACCES'
      ? 'this user may not use the Docker socket: add it to the docker group, or run as root'
      : 'start the Docker daemon, or set DOCKER_HOST to where it listens';
  return new UserError(
    { message: `cannot reach the Docker daemon at ${endpoint.display}${code ? ` (${code})` : ''}`, hint },
    { cause },
  );
}

/** Connection errors that mean "no daemon there", as opposed to a failed request. */
export function isUnreachable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOENT' ||
    code === 'EACCES' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT'
  );
}
