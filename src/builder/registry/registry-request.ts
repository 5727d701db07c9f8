import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { UserError } from '../../core/user-error.js';

export type RegistryMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface RegistryRequestOptions {
  method: RegistryMethod;
  headers: Record<string, string>;
  /** Socket idle time before the request fails with ETIMEDOUT (also while a body streams). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** A buffer, or a stream piped into the request (give its Content-Length in `headers`). */
  body?: Buffer | Readable;
}

export interface RegistryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A request that failed below HTTP: refused, reset, timed out, hung up. `code` is the errno
 * code (`ECONNREFUSED`) when there is one. Worth another attempt, unlike an error of the body
 * being sent, which is passed on unchanged.
 */
export class NetworkError extends Error {
  readonly code: string;
  constructor(cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    super(code, { cause });
    this.name = 'NetworkError';
    this.code = code;
  }
}

/** Answers (manifests, token answers, error bodies) are read whole; blobs never are. */
const MAX_BODY = 8 * 1024 * 1024;

/**
 * One HTTP request on `node:http`/`node:https` (https loaded only when needed), resolved when
 * the response head arrives; the caller reads or drains the body. Hand-written rather than
 * global fetch: undici's first use costs more than a whole no-op HEAD round, and streaming a
 * request body of known length needs nothing more than `pipe`.
 */
export async function openRegistryRequest(url: URL, opts: RegistryRequestOptions): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return await new Promise((resolve, reject) => {
    let sourceError: unknown;
    const req = send(
      url,
      {
        method: opts.method,
        headers: opts.headers,
        timeout: opts.timeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      resolve,
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => reject(sourceError ?? new NetworkError(e)));
    const body = opts.body;
    if (body === undefined || Buffer.isBuffer(body)) {
      req.end(body);
      return;
    }
    // Registered before pipeline's own listener, so the request's error is known to be the body's.
    body.once('error', (e) => (sourceError = e));
    // pipeline destroys the body when the request fails, and the request when the body fails.
    pipeline(body, req, () => {});
  });
}

/** The response's body, read whole (up to 8 MB). */
export async function readRegistryResponse(res: IncomingMessage, url: URL): Promise<RegistryResponse> {
  return await new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
      else {
        res.destroy();
        reject(new UserError({ message: `${url.host} sent an answer larger than 8 MB for ${url.pathname}` }));
      }
    });
    res.on('error', (e) => reject(new NetworkError(e)));
    res.on('end', () =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
    );
  });
}
