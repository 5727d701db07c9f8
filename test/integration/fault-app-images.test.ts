import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCliToEnd, type CliOutcome } from '../helpers/cli-process.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { HerokuAppRig } from '../helpers/heroku-app-rig.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeTestStack, type TestStack } from '../helpers/stack-images.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Registry faults while pushing an image the tool wrote (heroku-buildpack), through a proxy in
 * front of a real registry: nothing half-pushed is reported as pushed, no release is written,
 * and the next build pushes what the base dir holds without building it again.
 */
const root = await tempDir('tci-fault-app-');
let registry: TestRegistry;
let proxy: FaultProxy;
let stack: TestStack;
let rigs = 0;

const actions = (o: CliOutcome) =>
  Object.fromEntries(
    o.events.filter((e) => e.kind === 'plan-decided').map((e) => [e['service'], e['action']]),
  );
const pushed = (o: CliOutcome) => o.events.filter((e) => e.kind === 'image-pushed');
const isUpload = (method: string | undefined) => method === 'POST' || method === 'PATCH' || method === 'PUT';

before(async () => {
  registry = await startRegistry();
  proxy = await FaultProxy.start(registry.host);
  stack = makeTestStack(22, 'faultapp');
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  stack?.remove();
});

describe('registry faults pushing a reproducible image', () => {
  test('uploads answered 503 until the retries give up: exit 1 naming the service and registry; the rerun pushes', async () => {
    const rig = new HerokuAppRig(join(root, `rig-${++rigs}`), stack, {
      prefix: `${proxy.host}/tci-fault-app-${process.pid}/`,
    });
    proxy.clear();
    proxy.inject({ kind: 'status', status: 503 }, { match: (q) => isUpload(q.method) });
    const failed = await runCliToEnd(rig.buildArgs('--push'));
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(
      failed.stderr,
      new RegExp(
        `service "greeter": pushing ${proxy.host}/tci-fault-app-\\d+/greeter:SVC-[0-9a-f]{32} failed: registry ${proxy.host} answered HTTP 503`,
      ),
    );
    assert.doesNotMatch(failed.stderr, /^\s+at |internal error/m);
    assert.deepEqual(pushed(failed), []);
    assert.equal(existsSync(rig.releasePath), false);

    proxy.clear();
    const dry = await runCliToEnd(rig.buildArgs('--push', '--dry-run'));
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(actions(dry), { greeter: 'push' });
    assert.match(
      String(dry.events.find((e) => e.kind === 'plan-decided')?.['reason']),
      /^built earlier \(in the base dir\), not yet in the registry$/,
    );
    const again = await runCliToEnd(rig.buildArgs('--push'));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(actions(again), { greeter: 'push' }, 'built earlier: pushed, not built again');
    assert.ok(!again.events.some((e) => e.kind === 'step-started' && e['step'] === 'build'));
    const [event] = pushed(again);
    assert.equal(rig.service()['imageDigest'], event?.['digest']);
    assert.equal(rig.service()['dockerImage'], `${String(event?.['ref'])}@${String(event?.['digest'])}`);
  });

  test('a few 500s on uploads are retried and the push succeeds', async () => {
    const rig = new HerokuAppRig(join(root, `rig-${++rigs}`), stack, {
      prefix: `${proxy.host}/tci-fault-app-${process.pid}/`,
    });
    proxy.clear();
    proxy.inject({ kind: 'status', status: 500 }, { times: 2, match: (q) => isUpload(q.method) });
    const o = await runCliToEnd(rig.buildArgs('--push'));
    assert.equal(o.code, 0, o.stderr);
    assert.equal(pushed(o).length, 1);
  });

  test('a registry that refuses connections: exit 1 naming it, nothing pushed, no release', async () => {
    const rig = new HerokuAppRig(join(root, `rig-${++rigs}`), stack, {
      prefix: `${proxy.host}/tci-fault-app-${process.pid}/`,
    });
    proxy.clear();
    await proxy.refuse();
    try {
      const o = await runCliToEnd(rig.buildArgs('--push'));
      assert.equal(o.code, 1, o.stderr);
      assert.match(o.stderr, new RegExp(`registry ${proxy.host} could not be reached`));
      assert.deepEqual(pushed(o), []);
      assert.equal(existsSync(rig.releasePath), false);
    } finally {
      await proxy.accept();
    }
  });
});
