import { Agent, request, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, UserError } from '../../core/user-error.js';

export interface ApiResponse {
  status: number;
  /** Parsed JSON, or `{message}` holding a text answer (a plain 404). */
  body: Record<string, unknown>;
}

export interface ApiRequest {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

/** Answers worth another try: the server is busy or briefly away. */
const RETRIED = new Set([429, 502, 503, 504]);
const TRIES = 4;

/**
 * The Kubernetes API over a unix socket (kubectl proxy's): JSON requests, at most `concurrency`
 * at once over kept-alive connections, each retried on 429/502/503/504 and on a dropped
 * connection; watches as a stream of events, outside that limit.
 */
export class ApiClient {
  private readonly agent: Agent;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly socketPath: string,
    private readonly concurrency = 32,
    private readonly signal?: AbortSignal,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  async request(method: string, path: string, req: ApiRequest = {}): Promise<ApiResponse> {
    await this.slot();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await this.once(method, path, req);
          if (!RETRIED.has(res.status) || attempt === TRIES) return res;
        } catch (e) {
          if (e instanceof InterruptedError) throw e;
          if (attempt === TRIES) throw lostConnection(e, method, path);
        }
        await sleep(100 * 2 ** attempt, undefined, { signal: this.signal }).catch(() => {
          throw new InterruptedError('SIGINT');
        });
      }
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }

  /**
   * Streams a watch of a collection, calling `onEvent` for each event until it returns true (done),
   * the server ends the stream, or `stop` aborts. Resolves with whether `onEvent` said done.
   */
  async watch(
    path: string,
    query: Record<string, string>,
    onEvent: (e: WatchEvent) => boolean,
    stop: AbortSignal,
  ): Promise<boolean> {
    let res: IncomingMessage;
    try {
      res = await this.send('GET', path, { query: { ...query, watch: '1' } }, stop);
    } catch (e) {
      if (stop.aborted) return false;
      throw e;
    }
    if (res.statusCode !== 200)
      throw clusterRefused(`a watch of ${path}`, res.statusCode ?? 0, await text(res));
    return await new Promise<boolean>((resolve, reject) => {
      let partial = '';
      const end = (done: boolean) => {
        res.destroy();
        resolve(done);
      };
      res.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines)
          if (line.trim() !== '' && onEvent(JSON.parse(line) as WatchEvent)) return end(true);
      });
      res.on('end', () => resolve(false));
      res.on('error', (e) => (stop.aborted ? resolve(false) : reject(e)));
      stop.addEventListener('abort', () => end(false), { once: true });
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private async slot(): Promise<void> {
    if (this.active >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.active += 1;
  }

  private async once(method: string, path: string, req: ApiRequest): Promise<ApiResponse> {
    const res = await this.send(method, path, req, this.signal);
    const body = await text(res);
    let parsed: Record<string, unknown>;
    try {
      parsed = (res.headers['content-type'] ?? '').includes('json')
        ? (JSON.parse(body) as Record<string, unknown>)
        : { message: body.trim() };
    } catch {
      parsed = { message: body.trim() };
    }
    return { status: res.statusCode ?? 0, body: parsed };
  }

  private async send(
    method: string,
    path: string,
    req: ApiRequest,
    signal: AbortSignal | undefined,
  ): Promise<IncomingMessage> {
    const query = Object.entries(req.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
    const target = query.length > 0 ? `${path}?${new URLSearchParams(query).toString()}` : path;
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    return await new Promise((resolve, reject) => {
      const r = request(
        {
          socketPath: this.socketPath,
          agent: this.agent,
          method,
          path: target,
          headers: {
            Accept: 'application/json',
            ...(payload !== undefined
              ? {
                  'Content-Type': req.contentType ?? 'application/json',
                  'Content-Length': Buffer.byteLength(payload),
                }
              : {}),
          },
          ...(signal !== undefined ? { signal } : {}),
        },
        resolve,
      );
      r.on('error', (e) => reject(e.name === 'AbortError' ? new InterruptedError('SIGINT') : e));
      r.end(payload);
    });
  }
}

async function text(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let out = '';
  for await (const chunk of res) out += chunk as string;
  return out;
}

/** A request that never got an answer: kubectl proxy ended, or the cluster cannot be reached. */
function lostConnection(e: unknown, method: string, path: string): UserError {
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new UserError(
    {
      message: `no answer from the cluster through kubectl proxy for ${method} ${path} (${code})`,
      hint: 'check that kubectl can reach the cluster (kubectl get --raw /version)',
    },
    { cause: e },
  );
}

/** A read the cluster answered with an error (RBAC's 403, a 5xx): the user's to fix, not a bug. */
export function clusterRefused(what: string, code: number, message: string): UserError {
  return new UserError({
    message: `the cluster answered ${code} to ${what}: ${message}`,
    ...(code === 401 || code === 403
      ? { hint: "the kubeconfig's user may not read it: check with kubectl auth can-i" }
      : {}),
  });
}
