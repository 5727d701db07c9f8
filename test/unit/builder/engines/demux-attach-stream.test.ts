import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { demuxAttachStream } from '../../../../src/builder/engines/demux-attach-stream.js';

/** One frame of the daemon's multiplexed stream. */
function frame(kind: 1 | 2, text: string | Buffer): Buffer {
  const body = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

async function collect(stream: PassThrough): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

test('frames cut anywhere, headers included, come out whole on their own side', async () => {
  const wire = Buffer.concat([frame(1, 'out-1 '), frame(2, 'err-1 '), frame(1, 'out-2'), frame(2, 'err-2')]);
  // Every cut of the wire into two, and into single bytes.
  const cuttings = [
    ...Array.from({ length: wire.length - 1 }, (_, i) => [wire.subarray(0, i + 1), wire.subarray(i + 1)]),
    [...wire].map((b) => Buffer.from([b])),
  ];
  for (const chunks of cuttings) {
    const raw = new PassThrough();
    const out = new PassThrough();
    const err = new PassThrough();
    demuxAttachStream(raw, out, err);
    raw.on('end', () => {
      out.end();
      err.end();
    });
    for (const c of chunks) raw.write(c);
    raw.end();
    assert.equal(String(await collect(out)), 'out-1 out-2');
    assert.equal(String(await collect(err)), 'err-1 err-2');
  }
});

test('a side that is full pauses the stream until it drains; nothing is lost', async () => {
  const raw = new PassThrough();
  const big = Buffer.alloc(1 << 20, 7);
  let taken = 0;
  let waiting = 0;
  // A slow reader with a small buffer: it takes one chunk per tick.
  const out = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, done) {
      taken += chunk.length;
      setImmediate(done);
    },
  });
  const err = new PassThrough();
  demuxAttachStream(raw, out, err);
  raw.on('pause', () => waiting++);
  for (let i = 0; i < 4; i++) raw.write(frame(1, big));
  raw.end(frame(2, 'done'));
  await new Promise<void>((resolve) => raw.on('end', resolve));
  await new Promise<void>((resolve) => out.end(resolve));
  assert.equal(taken, 4 << 20);
  assert.ok(waiting > 0, 'the attach stream was paused');
  assert.equal(String(err.read()), 'done');
});
