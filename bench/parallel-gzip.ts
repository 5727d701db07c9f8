import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';

/**
 * PROTOTYPE for issue 18 (phase 2 moves it beside src/builder/oci/deterministic-gzip.ts):
 * gzip whose bytes depend only on the input, compressed on several cores, as pigz does it. The
 * input is cut into fixed 1 MiB chunks; each is raw-deflated by pako (zlib's reference deflate
 * in JavaScript, level 6) in a worker thread with the previous chunk's last 32 KiB as its
 * dictionary and a sync flush at its end (the last chunk finishes the stream); the main thread
 * writes a fixed gzip header, the chunks in order, and the CRC-32 and length of the whole input.
 * The result is one standard gzip member; its bytes depend on the input and the chunk size, not
 * on how many workers there are or which finished first. Hand-written: no npm package does
 * deterministic parallel gzip.
 */
const CHUNK = 1 << 20;
const WINDOW = 32 * 1024;
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

const pakoPath = createRequire(import.meta.url).resolve('pako');
const WORKER = `
const { parentPort } = require('node:worker_threads');
const pako = require(${JSON.stringify(pakoPath)});
parentPort.on('message', ({ id, dict, data, last, level }) => {
  const d = new pako.Deflate({ level, raw: true, ...(dict.length ? { dictionary: dict } : {}) });
  const out = [];
  d.onData = (c) => out.push(c);
  d.push(data, last ? 4 : 2);
  if (d.err) throw new Error('deflate: ' + d.msg);
  const total = out.reduce((n, c) => n + c.length, 0);
  const buf = new Uint8Array(total);
  let at = 0;
  for (const c of out) { buf.set(c, at); at += c.length; }
  parentPort.postMessage({ id, buf }, [buf.buffer]);
});`;

interface Job {
  id: number;
  result: Promise<Buffer>;
}

/** A pool of deflate workers, terminated when the stream ends. */
class DeflatePool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, (b: Buffer) => void>();
  private next = 0;

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER, { eval: true });
      w.on('message', ({ id, buf }: { id: number; buf: Uint8Array }) => {
        this.waiting.get(id)?.(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
        this.waiting.delete(id);
      });
      return w;
    });
  }

  deflate(id: number, dict: Buffer, data: Buffer, last: boolean, level: number): Promise<Buffer> {
    const w = this.workers[this.next++ % this.workers.length] as Worker;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      w.postMessage({ id, dict, data, last, level });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** `level` 6 is zlib's default and deterministicGzip's; 1 costs about half the CPU for ~20% more bytes. */
export function parallelGzip(threads = Math.max(1, cpus().length), level = 6): Transform {
  const pool = new DeflatePool(threads);
  const queue: Job[] = [];
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let previousTail = Buffer.alloc(0);
  let crc = 0;
  let length = 0;
  let ids = 0;
  let headerSent = false;

  const dispatch = (data: Buffer, last: boolean) => {
    crc = crc32(data, crc);
    length += data.length;
    queue.push({ id: ids, result: pool.deflate(ids++, previousTail, data, last, level) });
    previousTail = Buffer.from(data.subarray(Math.max(0, data.length - WINDOW)));
  };
  const take = (n: number): Buffer => {
    const all = Buffer.concat(pending);
    pending = [all.subarray(n)];
    pendingLength = all.length - n;
    return all.subarray(0, n);
  };
  // Keeps at most threads * 2 chunks in flight: memory stays bounded, every core stays busy.
  const drain = async (self: Transform, keep: number) => {
    while (queue.length > keep) self.push(await (queue.shift() as Job).result);
  };

  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      if (!headerSent) {
        this.push(HEADER);
        headerSent = true;
      }
      pending.push(chunk);
      pendingLength += chunk.length;
      // The last chunk must be dispatched with `last`, so a full chunk waits until more arrives.
      while (pendingLength > CHUNK) dispatch(take(CHUNK), false);
      drain(this, threads * 2).then(() => done(), done);
    },
    flush(done: TransformCallback) {
      if (!headerSent) this.push(HEADER);
      dispatch(take(pendingLength), true);
      drain(this, 0)
        .then(() => {
          const trailer = Buffer.alloc(8);
          trailer.writeUInt32LE(crc >>> 0, 0);
          trailer.writeUInt32LE(length % 2 ** 32, 4);
          this.push(trailer);
          return pool.close();
        })
        .then(() => done(), done);
    },
  });
}
