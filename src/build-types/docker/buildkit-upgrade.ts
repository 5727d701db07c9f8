import type { Duplex } from 'node:stream';

/** How to open one new connection to a Docker Engine (a unix socket, TCP or TLS, an ssh pipe). */
export type EngineDial = () => Duplex;

/** The engine answered the upgrade with something other than `101 Switching Protocols`. */
export class SessionRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`the engine answered POST /session with HTTP ${status}${reason ? `: ${reason}` : ''}`);
    this.name = 'SessionRefusedError';
  }
}

const MAX_HEAD = 64 * 1024;

/**
 * Turns a fresh engine connection into a BuildKit session stream: `POST /session` with
 * `Upgrade: h2c` and the session headers, then, after `101 Switching Protocols`, the raw
 * connection on which the engine speaks HTTP/2 (it is the gRPC client, we serve). Written by
 * hand rather than through node:http or docker-modem's `hijack`: both send a chunked body whose
 * terminator would reach the engine after the upgrade, in the middle of its HTTP/2 stream, and
 * this way one `EngineDial` serves unix, TCP, TLS and ssh engines alike.
 */
export function upgradeToSession(
  conn: Duplex,
  headers: ReadonlyArray<readonly [string, string]>,
  signal?: AbortSignal,
): Promise<Duplex> {
  const request = [
    'POST /session HTTP/1.1',
    'Host: docker',
    'Content-Length: 0',
    'Connection: Upgrade',
    'Upgrade: h2c',
    ...headers.map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  return new Promise<Duplex>((resolve, reject) => {
    let head = Buffer.alloc(0);
    const done = (err?: Error) => {
      conn.off('data', onData);
      conn.off('error', done);
      conn.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        conn.destroy();
        reject(err);
      }
    };
    const onClose = () =>
      done(Object.assign(new Error('the engine closed the session connection'), { code: 'ECONNRESET' }));
    const onAbort = () => done(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) done(new SessionRefusedError(0, 'an answer without an end of headers'));
        return;
      }
      conn.pause();
      const [statusLine = ''] = head.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      if (status !== 101) {
        done(new SessionRefusedError(status, answerReason(head.subarray(end + 4))));
        return;
      }
      done();
      const after = head.subarray(end + 4);
      if (after.length > 0) conn.unshift(after);
      resolve(conn);
    };
    conn.on('data', onData);
    conn.once('error', done);
    conn.once('close', onClose);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    conn.write(request);
  });
}

/** The engine's `{"message": …}` from the part of the body that came with the headers, if any. */
function answerReason(body: Buffer): string {
  const text = body.toString('utf8');
  const message = /"message"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(text)?.[1];
  if (message !== undefined) return JSON.parse(message) as string;
  return text.trim().split('\n')[0] ?? '';
}
