import type * as Grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type protobuf from 'protobufjs/light.js';
import { buildkitMessages as m } from './buildkit-messages.js';
import { upgradeToSession, type EngineDial } from './buildkit-upgrade.js';
import type { RegistryCredentials } from '../../inputs/types.js';

/** What the engine asked the session for: a registry login (by host) or a secret (by id, never its value). */
export type SessionCall =
  { service: 'auth'; host: string; given: boolean } | { service: 'secrets'; id: string; given: boolean };

export interface BuildkitSessionOptions {
  dial: EngineDial;
  /** The build secrets this build may read, by id; values stay in memory. */
  secrets?: ReadonlyMap<string, Uint8Array>;
  /** Registry credentials for a host (`127.0.0.1:5000`, `registry-1.docker.io`), for pulls and cache imports. */
  registryAuth?: (host: string) => RegistryCredentials | undefined | Promise<RegistryCredentials | undefined>;
  /** Told of every call the engine makes, e.g. for a debug log or a test. */
  observe?: (call: SessionCall) => void;
  signal?: AbortSignal;
}

export interface BuildkitSession {
  /** The id a build request names in `session=`. */
  id: string;
  close(): void;
}

const HEALTH = '/grpc.health.v1.Health/Check';
const CREDENTIALS = '/moby.filesync.v1.Auth/Credentials';
const GET_SECRET = '/moby.buildkit.secrets.v1.Secrets/GetSecret';

/**
 * A BuildKit session with a Docker Engine: the engine hijacks one connection (`POST /session`)
 * and calls back over it as a gRPC client, for the rest of the builds that name the session.
 * We serve three services, and announce them as the docker CLI does
 * (`X-Docker-Expose-Session-Grpc-Method`):
 * - health: the engine checks it every second or so and drops a session that does not answer
 *   twice, after which a later `RUN --mount=type=secret` fails with "no active session";
 *   dockerode's session serves no health service, so its builds lose the session after ~10 s;
 * - registry credentials, asked per registry host when the build pulls an image or a cache;
 * - build secrets, asked per `RUN --mount=type=secret,id=…`: an id this build was not given
 *   answers NOT_FOUND, which BuildKit treats as an absent secret.
 * The build context is not served here: it goes in the build request's body.
 * `@grpc/grpc-js` is loaded on first use, so builds that need no session never pay for it.
 */
export async function openBuildkitSession(opts: BuildkitSessionOptions): Promise<BuildkitSession> {
  const grpc = await import('@grpc/grpc-js');
  const id = randomUUID();
  const server = new grpc.Server();
  addServices(grpc, server, opts);
  const headers: [string, string][] = [
    ['X-Docker-Expose-Session-Uuid', id],
    ['X-Docker-Expose-Session-Name', 'taskcluster-installer'],
    ...[HEALTH, CREDENTIALS, GET_SECRET].map((path): [string, string] => [
      'X-Docker-Expose-Session-Grpc-Method',
      path,
    ]),
  ];
  const upgraded = await upgradeToSession(opts.dial(), headers, opts.signal).catch((e: unknown) => {
    server.forceShutdown();
    throw e;
  });
  const conn = cleartext(upgraded);
  // The HTTP/2 layer reports a broken connection itself; without a listener of ours an
  // 'error' after the build would be an uncaught exception.
  for (const stream of new Set([upgraded, conn])) stream.on('error', () => {});
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  injector.injectConnection(conn);
  conn.resume();
  return {
    id,
    // Not at once: the HTTP/2 layer reads what the connection already buffered (the engine's
    // first frames arrive with the 101) on the next tick, and crashes the process
    // (`Cannot read properties of undefined (reading 'receive')`) if the session is gone by then.
    close: () =>
      setImmediate(() => {
        injector.destroy();
        server.forceShutdown();
        conn.destroy();
        upgraded.destroy();
      }),
  };
}

/** Health, registry credentials and build secrets, as the engine calls them. */
function addServices(grpc: typeof Grpc, server: Grpc.Server, opts: BuildkitSessionOptions): void {
  server.addService(service(HEALTH, m.healthCheckRequest, m.healthCheckResponse), {
    [name(HEALTH)]: (_call: unknown, reply: Grpc.sendUnaryData<object>) => reply(null, { status: 1 }),
  });
  server.addService(service(CREDENTIALS, m.credentialsRequest, m.credentialsResponse), {
    [name(CREDENTIALS)]: (
      call: Grpc.ServerUnaryCall<{ Host?: string }, object>,
      reply: Grpc.sendUnaryData<object>,
    ) => {
      const host = call.request.Host ?? '';
      // A lookup that fails (an unreadable Docker config) answers as anonymous: the pull then
      // fails with the registry's own refusal, which names the registry.
      void Promise.resolve()
        .then(() => opts.registryAuth?.(host))
        .catch(() => undefined)
        .then((login) => {
          opts.observe?.({ service: 'auth', host, given: login !== undefined });
          reply(null, login ? { Username: login.username, Secret: login.password } : {});
        });
    },
  });
  server.addService(service(GET_SECRET, m.getSecretRequest, m.getSecretResponse), {
    [name(GET_SECRET)]: (
      call: Grpc.ServerUnaryCall<{ ID?: string }, object>,
      reply: Grpc.sendUnaryData<object>,
    ) => {
      const secretId = call.request.ID ?? '';
      const value = opts.secrets?.get(secretId);
      opts.observe?.({ service: 'secrets', id: secretId, given: value !== undefined });
      if (value === undefined) reply({ code: grpc.status.NOT_FOUND, details: `no secret "${secretId}"` });
      else reply(null, { data: value });
    },
  });
}

/**
 * The session's HTTP/2 as Node's HTTP/2 server must see it. Over a TLS engine connection, the
 * HTTP/2 runs inside the TLS stream after an HTTP/1.1 upgrade, not as a protocol TLS negotiated;
 * Node takes a TLS socket without one (`alpnProtocol` false) for HTTP/1.1 and drops it, so
 * such a socket is handed over as a plain stream of its decrypted bytes.
 */
function cleartext(conn: Duplex): Duplex {
  if (!(conn instanceof TLSSocket)) return conn;
  conn.pause();
  return Duplex.from({ readable: conn, writable: conn });
}

function name(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A one-method unary gRPC service whose messages are (de)serialised by protobufjs types. */
function service(path: string, request: protobuf.Type, response: protobuf.Type): Grpc.ServiceDefinition {
  return {
    [name(path)]: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: object) => Buffer.from(request.encode(request.fromObject(v)).finish()),
      requestDeserialize: (b: Buffer) => m.toObject(request, b),
      responseSerialize: (v: object) => Buffer.from(response.encode(response.fromObject(v)).finish()),
      responseDeserialize: (b: Buffer) => m.toObject(response, b),
    },
  };
}
