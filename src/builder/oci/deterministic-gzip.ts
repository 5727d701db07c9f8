import { Deflate } from 'pako';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { DeflateWorkers } from './deflate-workers.js';
import { GZIP_LEVEL as LEVEL } from './gzip-format.js';

/** Input is deflated in chunks of this size, each on whichever core is free. */
const CHUNK = 1 << 20;
/** Deflate's window: each chunk is primed with the 32 KiB before it. */
const WINDOW = 32 * 1024;
/** gzip header: deflate, no flags, mtime 0, no extra flags, OS 3 (Unix): pako's own fixed header. */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

const pakoPath = createRequire(import.meta.url).resolve('pako');

export interface GzipOptions {
  /**
   * Deflate threads; default one less than the CPUs (at least one), since this thread makes
   * the input (a layer's tar) meanwhile. The bytes do not depend on it.
   */
  threads?: number;
}

/**
 * A gzip stream whose bytes depend only on its input, compressed on every core as pigz does:
 * the input is cut into fixed 1 MiB chunks, each raw-deflated by pako (a port of zlib's
 * reference deflate) at `GZIP_LEVEL` with the previous chunk's last 32 KiB as its dictionary and a
 * sync flush at its end (the last one finishes the stream); the chunks are written in order
 * after pako's fixed header (mtime 0, no name, OS 3), then the CRC-32 and length of the whole
 * input. One standard gzip member, the same bytes for 1, 2 or 16 threads and whichever chunk
 * finishes first; an input of one chunk is deflated in this thread and is exactly pako's gzip.
 * Node's own zlib is not used: it is Chromium's fork, whose output can change with the CPU's
 * SIMD paths, so two machines could compress a layer into different bytes, and digests.
 * No npm package does deterministic parallel gzip, hence this one.
 */
export function deterministicGzip(opts: GzipOptions = {}): Transform {
  const threads = Math.max(1, opts.threads ?? cpus().length - 1);
  const workers = DeflateWorkers.lazyLease(threads, pakoPath);
  const queue: Array<Promise<Buffer>> = [];
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let previousTail = Buffer.alloc(0);
  let crc = 0;
  let length = 0;
  let started = false;
  let headerSent = false;
  const header = (self: Transform) => {
    if (!headerSent) self.push(HEADER);
    headerSent = true;
  };

  const dispatch = (data: Buffer, last: boolean) => {
    crc = crc32(data, crc);
    length += data.length;
    const dict = previousTail;
    const chunk =
      last && !started
        ? Promise.resolve().then(() => deflateChunk(data, dict, true))
        : workers.deflate({ data, dict, last, level: LEVEL });
    // Awaited in order by `drain`; a failure meanwhile must not count as unhandled.
    chunk.catch(() => undefined);
    queue.push(chunk);
    started = true;
    previousTail = Buffer.from(data.subarray(Math.max(0, data.length - WINDOW)));
  };
  const take = (n: number): Buffer => {
    const all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    pending = [all.subarray(n)];
    pendingLength = all.length - n;
    return all.subarray(0, n);
  };
  // At most threads * 2 chunks in flight: memory stays bounded, every core stays busy.
  const drain = async (self: Transform, keep: number) => {
    while (queue.length > keep) self.push(await (queue.shift() as Promise<Buffer>));
  };
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      header(this);
      pending.push(chunk);
      pendingLength += chunk.length;
      // The last chunk must be deflated with `last`, so a full chunk waits until more arrives.
      while (pendingLength > CHUNK) dispatch(take(CHUNK), false);
      drain(this, threads * 2).then(() => done(), done);
    },
    flush(done: TransformCallback) {
      header(this);
      dispatch(take(pendingLength), true);
      drain(this, 0)
        .then(() => this.push(trailer(crc, length)))
        .finally(() => workers.release())
        .then(() => done(), done);
    },
    // A stream ended by an error never flushes: its workers would keep the process alive.
    destroy(err: Error | null, done: (e: Error | null) => void) {
      void workers.release();
      done(err);
    },
  });
}

/** One chunk, raw deflate, in this thread: what each worker does too (deflate-workers.ts). */
function deflateChunk(data: Buffer, dict: Buffer, last: boolean): Buffer {
  const d = new Deflate({ level: LEVEL, raw: true, ...(dict.length > 0 ? { dictionary: dict } : {}) });
  const out: Uint8Array[] = [];
  d.onData = (c: Uint8Array) => out.push(c);
  d.push(data, last ? 4 : 2);
  if (d.err !== 0) throw new Error(`gzip failed: ${d.msg}`);
  return Buffer.concat(out);
}

/** gzip's end: the CRC-32 and the length (modulo 2^32) of the whole input. */
function trailer(crc: number, length: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt32LE(crc >>> 0, 0);
  bytes.writeUInt32LE(length % 2 ** 32, 4);
  return bytes;
}
