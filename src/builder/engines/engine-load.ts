import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { UserError } from '../../core/user-error.js';
import { engineUnreachable, isUnreachable, type EngineEndpoint } from './engine-endpoint.js';
import { requestTo } from './engine-get.js';
import { followEngineStream } from './follow-engine-stream.js';

/**
 * `docker load` (POST /images/load) hand-written on node:http, like engineGet: a one-line
 * change of a `node` service loads a few kilobytes, and loading dockerode for that (about
 * 100 ms) would cost more than the load. The daemon answers 200 and reports a refused archive
 * inside its JSON stream, so the stream is followed to the end.
 */
export async function engineLoad(
  endpoint: EngineEndpoint,
  archive: Readable,
  label: string,
  signal?: AbortSignal,
): Promise<void> {
  const { opts, send } = await requestTo(endpoint, 'POST', '/images/load?quiet=1');
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(
      {
        ...opts,
        headers: { ...opts.headers, 'content-type': 'application/x-tar' },
        ...(signal ? { signal } : {}),
      },
      resolve,
    );
    req.on('error', (e) => reject(isUnreachable(e) ? engineUnreachable(endpoint, e) : e));
    archive.on('error', (e) => req.destroy(e));
    archive.pipe(req);
  });
  if (res.statusCode !== 200) {
    const text = await new Promise<string>((resolve) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve(body));
      res.on('error', () => resolve(body));
    });
    const message = (() => {
      try {
        return String((JSON.parse(text) as { message?: unknown }).message ?? text);
      } catch {
        return text;
      }
    })();
    throw new UserError({ message: `${label} failed: ${message.trim() || `HTTP ${res.statusCode ?? 0}`}` });
  }
  await followEngineStream(res, { label, onLine: () => {}, ...(signal ? { signal } : {}) });
}
