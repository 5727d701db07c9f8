import { request, type IncomingMessage, type RequestOptions } from 'node:http';
import { engineUnreachable, isUnreachable, type EngineEndpoint } from './engine-endpoint.js';
import { sshDialAgent } from './ssh-dial-agent.js';

/** An image lookup answers in milliseconds; an engine silent this long is not answering. */
const GET_TIMEOUT_MS = 30_000;

/**
 * One GET on the Engine API, hand-written on `node:http`: the no-op build asks the daemon
 * "is this image here?" once per service, and loading dockerode for that would cost more than
 * all the answers together. Returns the status and the parsed JSON body (undefined if none).
 */
export async function engineGet(
  endpoint: EngineEndpoint,
  path: string,
): Promise<{ status: number; body: unknown }> {
  const { opts, send } = await requestTo(endpoint, 'GET', path);
  return await new Promise((resolve, reject) => {
    const req = send({ ...opts, timeout: GET_TIMEOUT_MS }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(isUnreachable(e) ? engineUnreachable(endpoint, e) : e));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = text;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer in ${GET_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (e) => reject(isUnreachable(e) ? engineUnreachable(endpoint, e) : e));
    req.end();
  });
}

/** How to send a request of `method` on `path` to the engine at `endpoint` over node:http(s). */
export async function requestTo(
  endpoint: EngineEndpoint,
  method: string,
  path: string,
): Promise<{ opts: RequestOptions; send: typeof request }> {
  const opts: RequestOptions =
    endpoint.kind === 'unix'
      ? { socketPath: endpoint.socketPath, path, method, headers: { host: 'docker' } }
      : endpoint.kind === 'ssh'
        ? { agent: sshDialAgent(endpoint), path, method, headers: { host: 'docker' } }
        : { host: endpoint.host, port: endpoint.port, path, method, ...endpoint.tls };
  const tls = endpoint.kind === 'tcp' && endpoint.tls !== undefined;
  return { opts, send: tls ? (await import('node:https')).request : request };
}
