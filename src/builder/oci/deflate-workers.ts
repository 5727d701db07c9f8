import { Worker } from 'node:worker_threads';

/** One chunk for a worker: raw deflate with `dict` as the preset dictionary. */
export interface DeflateJob {
  data: Buffer;
  dict: Buffer;
  /** Finish the stream (Z_FINISH) instead of a sync flush (Z_SYNC_FLUSH). */
  last: boolean;
  level: number;
}

// The worker's code, evaluated as CommonJS: the same pako, by path, as the main thread's.
const workerCode = (pakoPath: string) => `
const { parentPort } = require('node:worker_threads');
const pako = require(${JSON.stringify(pakoPath)});
parentPort.on('message', ({ id, data, dict, last, level }) => {
  const d = new pako.Deflate({ level, raw: true, ...(dict.length > 0 ? { dictionary: dict } : {}) });
  const out = [];
  d.onData = (c) => out.push(c);
  d.push(data, last ? 4 : 2);
  if (d.err) { parentPort.postMessage({ id, error: 'deflate: ' + d.msg }); return; }
  const buf = new Uint8Array(out.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of out) { buf.set(c, at); at += c.length; }
  parentPort.postMessage({ id, buf }, [buf.buffer]);
});`;

/**
 * Worker threads that raw-deflate chunks with pako for deterministicGzip, taken in turn,
 * shared by every stream of the process that asks for as many threads: services built
 * side by side compress on one pool, not on a pool each (a machine's cores, times the
 * builds). A stream `lease`s the pool and `release`s it when it ends; the last release stops
 * the workers, so an idle process can exit. A worker that fails fails every chunk still
 * waiting and retires its pool, so no stream hangs on it and the next lease starts afresh.
 */
export class DeflateWorkers {
  private static readonly pools = new Map<string, DeflateWorkers>();
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve(b: Buffer): void; reject(e: Error): void }>();
  private next = 0;
  private ids = 0;
  private leases = 0;
  private failure: Error | undefined;

  static lease(size: number, pakoPath: string): DeflateWorkers {
    const key = `${size}\0${pakoPath}`;
    let pool = DeflateWorkers.pools.get(key);
    if (pool === undefined) {
      const self: DeflateWorkers = new DeflateWorkers(size, pakoPath, () => {
        // A failed pool is retired early; a newer one may hold its key since.
        if (DeflateWorkers.pools.get(key) === self) DeflateWorkers.pools.delete(key);
      });
      pool = self;
      DeflateWorkers.pools.set(key, pool);
    }
    pool.leases++;
    return pool;
  }

  /** A stream's use of the pool: leased at its first chunk (a one-chunk stream never needs it), released once. */
  static lazyLease(size: number, pakoPath: string): Pick<DeflateWorkers, 'deflate' | 'release'> {
    let pool: DeflateWorkers | undefined;
    let released = false;
    return {
      deflate: (job) => (pool ??= DeflateWorkers.lease(size, pakoPath)).deflate(job),
      release: async () => {
        if (pool === undefined || released) return;
        released = true;
        await pool.release();
      },
    };
  }

  private constructor(
    size: number,
    pakoPath: string,
    private readonly retire: () => void,
  ) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(workerCode(pakoPath), { eval: true });
      w.on('message', (m: { id: number; buf?: Uint8Array; error?: string }) => {
        const job = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (m.buf !== undefined) job?.resolve(Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength));
        else job?.reject(new Error(`gzip failed: ${m.error ?? 'no output'}`));
      });
      w.on('error', (e) => this.fail(e));
      return w;
    });
  }

  deflate(job: DeflateJob): Promise<Buffer> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.ids++;
    const w = this.workers[this.next++ % this.workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, ...job });
    });
  }

  /** This stream is done with the pool; the last one stops the workers. */
  async release(): Promise<void> {
    if (--this.leases > 0) return;
    this.retire();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.retire();
    for (const job of this.waiting.values()) job.reject(e);
    this.waiting.clear();
  }
}
