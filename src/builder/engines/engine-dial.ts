import { connect, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import type { EngineEndpoint } from './engine-endpoint.js';
import { sshDialAgent } from './ssh-dial-agent.js';

/**
 * How to open one new raw connection to the engine at `endpoint`, for protocols spoken over it
 * by hand (BuildKit's session and build request): its unix socket; TCP, with TLS and the
 * endpoint's certificates when it has them (the server name checked when the host is a name,
 * as https does); or `ssh … docker system dial-stdio`, as every other request to an ssh engine.
 * Connection failures arrive as the stream's `error`, with their system code.
 */
export function engineDial(endpoint: EngineEndpoint): () => Duplex {
  switch (endpoint.kind) {
    case 'unix':
      return () => connect(endpoint.socketPath);
    case 'tcp': {
      const { host, port, tls } = endpoint;
      if (tls === undefined) return () => connect({ host, port });
      return () => connectTls({ host, port, ...tls, ...(isIP(host) === 0 ? { servername: host } : {}) });
    }
    case 'ssh': {
      const agent = sshDialAgent(endpoint);
      return () => agent.createConnection({}) as unknown as Duplex;
    }
    default: {
      const never: never = endpoint;
      return never;
    }
  }
}
