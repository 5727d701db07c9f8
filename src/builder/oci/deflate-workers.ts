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
 * Worker threads that raw-deflate chunks with pako for deterministicGzip, taken in turn. A
 * worker that fails fails every chunk still waiting, so a stream never hangs on it.
 */
export class DeflateWorkers {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve(b: Buffer): void; reject(e: Error): void }>();
  private next = 0;
  private ids = 0;

  constructor(size: number, pakoPath: string) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(workerCode(pakoPath), { eval: true });
      w.on('message', (m: { id: number; buf?: Uint8Array; error?: string }) => {
        const job = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (m.buf !== undefined) job?.resolve(Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength));
        else job?.reject(new Error(`gzip failed: ${m.error ?? 'no output'}`));
      });
      w.on('error', (e) => this.failAll(e));
      return w;
    });
  }

  deflate(job: DeflateJob): Promise<Buffer> {
    const id = this.ids++;
    const w = this.workers[this.next++ % this.workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, ...job });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private failAll(e: Error): void {
    for (const job of this.waiting.values()) job.reject(e);
    this.waiting.clear();
  }
}
