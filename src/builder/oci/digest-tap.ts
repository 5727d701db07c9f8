import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { Digest } from '../../inputs/types.js';

/** A pass-through stream that hashes (sha256) and counts what flows through it. */
export class DigestTap extends Transform {
  private readonly hash: Hash = createHash('sha256');
  size = 0;

  override _transform(
    chunk: Buffer,
    _enc: BufferEncoding,
    done: (e?: Error | null, c?: Buffer) => void,
  ): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  /** Only after the stream has ended. */
  digest(): Digest {
    return `sha256:${this.hash.digest('hex')}` as Digest;
  }
}

export function sha256Digest(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/** `src.pipe(a).pipe(b)…`, with an error anywhere destroying everything after it. */
export function pipeThrough(src: Readable, ...transforms: Transform[]): Readable {
  let current: Readable = src;
  for (const t of transforms) {
    current.on('error', (e) => t.destroy(e));
    current = current.pipe(t);
  }
  return current;
}
