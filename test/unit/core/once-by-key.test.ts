import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnceByKey } from '../../../src/core/once-by-key.js';

test('callers of one key share one computation, during and after it', async () => {
  const once = new OnceByKey<string, number>();
  let runs = 0;
  const make = async () => ++runs;
  const [a, b] = await Promise.all([once.get('k', make), once.get('k', make)]);
  assert.deepEqual([a, b, await once.get('k', make), runs], [1, 1, 1, 1]);
  assert.equal(await once.get('other', make), 2);
});

test('a failure is shared by those who waited for it and forgotten for the next call', async () => {
  const once = new OnceByKey<string, string>();
  let runs = 0;
  const make = async () => {
    runs += 1;
    if (runs === 1) throw new Error('down');
    return 'up';
  };
  const first = [once.get('k', make), once.get('k', make)];
  for (const p of first) await assert.rejects(p, /down/);
  assert.equal(await once.get('k', make), 'up');
  assert.equal(runs, 2);
});

test('forget makes the next call compute again', async () => {
  const once = new OnceByKey<string, number>();
  let runs = 0;
  await once.get('k', async () => ++runs);
  once.forget('k');
  assert.equal(await once.get('k', async () => ++runs), 2);
});
