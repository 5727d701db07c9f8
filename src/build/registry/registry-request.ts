import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface RegistryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One HTTP request on `node:http`/`node:https` (https loaded only when needed). Hand-written
 * rather than global fetch: undici's first use costs more than the whole no-op HEAD round.
 * Bodies are small here (manifests, token answers), so they are read whole, up to a cap.
 */
export async function registryRequest(
  url: URL,
  opts: { method: 'GET' | 'HEAD'; headers: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<RegistryResponse> {
  const send = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return await new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: opts.method,
        headers: opts.headers,
        timeout: opts.timeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 8 * 1024 * 1024) req.destroy(new Error('response larger than 8 MB'));
          else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}
