import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { inChunksOf } from '../../../src/core/in-chunks-of.js';

test('small chunks come out as chunks of at least the size, the last the rest, bytes unchanged', async () => {
  const input = Array.from({ length: 1000 }, (_, i) => Buffer.alloc(37, i % 251));
  const out = await chunksOf(input, 1000);
  assert.deepEqual(Buffer.concat(out), Buffer.concat(input));
  for (const c of out.slice(0, -1)) assert.ok(c.length >= 1000, `${c.length}`);
  assert.equal(out.length, Math.floor((37 * 1000) / 1036) + 1);
});

test('an empty stream gives no chunk', async () => {
  assert.deepEqual(await chunksOf([], 1000), []);
});

/** The chunks as they leave the transform (an async iterator would join them). */
async function chunksOf(input: Buffer[], size: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const chunks = inChunksOf(size);
  chunks.on('data', (c: Buffer) => out.push(c));
  await pipeline(Readable.from(input), chunks);
  return out;
}
