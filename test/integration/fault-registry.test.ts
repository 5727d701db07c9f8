import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import { BuildRig } from '../helpers/build-rig.js';
import { runCliToEnd, type CliOutcome } from '../helpers/cli-process.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * Registry faults during `build --push`, injected by a proxy in front of a real registry. The
 * image prefix names the proxy, so the tool's manifest queries and the daemon's push both
 * pass through it.
 */
const PASSWORD = `reg-pw-${process.pid}-Zq81`;

function pushed(o: CliOutcome): unknown[] {
  return o.events.filter((e) => e.kind === 'image-pushed');
}

function assertNoPassword(o: CliOutcome): void {
  assert.ok(!o.stdout.includes(PASSWORD) && !o.stderr.includes(PASSWORD), 'password in output');
}

describe('registry faults with --push', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let rig: BuildRig;

  before(async () => {
    registry = await startRegistry();
    proxy = await FaultProxy.start(registry.host);
  });
  after(async () => {
    await proxy.stop();
    await registry.stop();
  });
  beforeEach(async () => {
    proxy.clear();
    proxy.requests.length = 0;
    await proxy.accept();
  });

  // A layer of its own per rig, so every push really uploads something.
  const newRig = () => {
    rig?.cleanup();
    const dockerfile = `FROM busybox\nRUN echo ${Math.random()} > /unique\n`;
    rig = BuildRig.create([{ name: 'api', dockerfile }], {
      prefix: `${proxy.host}/tci-rel-${process.pid}/`,
    });
    return rig;
  };
  after(() => rig?.cleanup());

  test('a registry that is down: the build fails naming it, nothing is pushed, no release', async () => {
    const r = newRig();
    await proxy.refuse();
    const o = await runCliToEnd(r.buildArgs('--push'));
    assert.equal(o.code, 1, o.stderr);
    assert.match(o.stderr, new RegExp(`registry ${proxy.host} could not be reached \\(ECONNREFUSED\\)`));
    assert.doesNotMatch(o.stderr, /^\s+at |internal error/m);
    assert.deepEqual(pushed(o), []);
    assert.equal(existsSync(r.releasePath), false);
  });

  test('500 for the first requests: retried with backoff, then the push succeeds', async () => {
    const r = newRig();
    proxy.inject({ kind: 'status', status: 500 }, { times: 2 });
    const o = await runCliToEnd(r.buildArgs('--push'));
    assert.equal(o.code, 0, o.stderr);
    assert.deepEqual(
      proxy.requests.slice(0, 3).map((q) => q.split(' ')[0]),
      ['HEAD', 'HEAD', 'HEAD'],
      'the manifest query was retried',
    );
    const ev = pushed(o);
    assert.equal(ev.length, 1);
    const image = (r.release().build.repositories[0]?.['service'] as { dockerImage: string }).dockerImage;
    assert.equal(image, `${(ev[0] as { ref: string }).ref}@${(ev[0] as { digest: string }).digest}`);
    // The digest is what the registry really serves.
    const res = await fetch(
      `http://${registry.host}/v2/tci-rel-${process.pid}/api/manifests/${image.split('@')[1]}`,
      {
        method: 'HEAD',
        headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      },
    );
    assert.equal(res.status, 200);
  });

  test('500 during the upload itself: the daemon retries the push, and the release pins what was stored', async () => {
    const r = newRig();
    proxy.inject({ kind: 'status', status: 500 }, { times: 1, match: (q) => q.method === 'POST' });
    const o = await runCliToEnd(r.buildArgs('--push'));
    assert.equal(o.code, 0, o.stderr);
    assert.ok(proxy.requests.some((q) => q.startsWith('POST')));
    assert.equal(pushed(o).length, 1);
  });

  test('500 forever: a clear error naming the registry after retries; nothing pushed, no release', async () => {
    const r = newRig();
    proxy.inject({ kind: 'status', status: 500 });
    const o = await runCliToEnd(r.buildArgs('--push'));
    assert.equal(o.code, 1, o.stderr);
    assert.match(o.stderr, new RegExp(`registry ${proxy.host} answered HTTP 500, 4 attempts`));
    assert.equal(proxy.requests.length, 4);
    assert.deepEqual(pushed(o), []);
    assert.equal(existsSync(r.releasePath), false);
  });

  test('slow registry: the push waits and succeeds', async () => {
    const r = newRig();
    proxy.inject({ kind: 'delay', ms: 100 });
    const o = await runCliToEnd(r.buildArgs('--push'));
    assert.equal(o.code, 0, o.stderr);
    assert.equal(pushed(o).length, 1);
  });
});

describe('a registry that refuses the credentials', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let rig: BuildRig;
  before(async () => {
    registry = await startRegistry({ auth: { username: 'ci', password: `${PASSWORD}-right` } });
    proxy = await FaultProxy.start(registry.host);
  });
  after(async () => {
    rig?.cleanup();
    await proxy.stop();
    await registry.stop();
  });

  test('is not retried, names the registry, and never prints the password', async () => {
    const prefix = `${proxy.host}/tci-rel-${process.pid}/`;
    // The rig's prefix too, so that its cleanup finds the images.
    rig = BuildRig.create([{ name: 'api' }], {
      prefix,
      buildConfig: [
        'docker:',
        `  repositoryPrefix: "${prefix}"`,
        '  registries:',
        `    "${proxy.host}": {username: ci, password: !env TCI_TEST_REGISTRY_PASSWORD}`,
        '',
      ].join('\n'),
    });
    const o = await runCliToEnd(rig.buildArgs('--push'), { env: { TCI_TEST_REGISTRY_PASSWORD: PASSWORD } });
    assert.equal(o.code, 1, o.stderr);
    assert.match(o.stderr, new RegExp(`registry ${proxy.host} refused the credentials given for it`));
    assertNoPassword(o);
    // One unauthenticated probe, one answer to the challenge: no retry of a refusal.
    assert.ok(proxy.requests.length <= 2, proxy.requests.join('\n'));
    assert.deepEqual(pushed(o), []);
    assert.equal(existsSync(rig.releasePath), false);
  });
});
