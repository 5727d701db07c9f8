import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { BuildRig } from '../helpers/build-rig.js';
import { runCliToEnd } from '../helpers/cli-process.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * The daemon retries a failing upload itself, with growing pauses (about a minute in all),
 * which is why this case is slow. What matters: after the daemon gives up, nothing is
 * reported as pushed and no release is written.
 */
let registry: TestRegistry;
let proxy: FaultProxy;
let rig: BuildRig;

before(async () => {
  registry = await startRegistry();
  proxy = await FaultProxy.start(registry.host);
});
after(async () => {
  rig?.cleanup();
  await proxy.stop();
  await registry.stop();
});

test('an upload that fails forever: the push fails naming the image; no image-pushed event, no release', async () => {
  rig = BuildRig.create(
    [{ name: 'api', dockerfile: `FROM busybox\nRUN echo ${Math.random()} > /unique\n` }],
    {
      prefix: `${proxy.host}/tci-rel-${process.pid}/`,
    },
  );
  proxy.inject({ kind: 'status', status: 500 }, { match: (q) => q.method !== 'HEAD' && q.method !== 'GET' });
  const o = await runCliToEnd(rig.buildArgs('--push'));
  assert.equal(o.code, 1, o.stderr);
  assert.match(o.stderr, new RegExp(`pushing ${proxy.host}/tci-rel-${process.pid}/api:SVC-[0-9a-f]+ failed`));
  // The daemon's own retries show in the last lines, then its final answer.
  assert.match(o.stderr, /failed: received unexpected HTTP status: 500/);
  assert.match(o.stderr, /Retrying in \d+ seconds?/);
  assert.doesNotMatch(o.stderr, /^\s+at |internal error/m);
  assert.deepEqual(
    o.events.filter((e) => e.kind === 'image-pushed'),
    [],
  );
  assert.ok(o.events.some((e) => e.kind === 'step-failed' && e['step'] === 'push'));
  assert.equal(existsSync(rig.releasePath), false);
});
