import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connectEngine } from '../../src/builder/engines/connect-docker-engine.js';
import type { ImageRef } from '../../src/inputs/types.js';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { BuildkitRig, type RigBuild } from '../helpers/buildkit-rig.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { removeImages } from '../helpers/remove-images.js';
import { copyImageTo, removeImagesOn, requireSecondEngine, SECOND_ENGINE } from '../helpers/second-engine.js';

/**
 * A layer cache that crosses machines: an image pushed with BuildKit's inline cache is the cache
 * source of a build on another engine that shares nothing with the first (the second dockerd),
 * through a registry that requires credentials, which the session hands over.
 */
let registry: TestRegistry;
let rig: BuildkitRig;
let busybox: string;
const first = connectEngine({
  kind: 'unix',
  socketPath: '/var/run/docker.sock',
  id: 'first',
  display: 'first',
});
before(async () => {
  requireSecondEngine();
  busybox = ensureBusyboxImage();
  copyImageTo(busybox, SECOND_ENGINE);
  registry = await startRegistry({ auth: { username: 'ci', password: `pw-${randomUUID()}` } });
  rig = await BuildkitRig.create('cache');
});
after(async () => {
  removeImages(`${rig.prefix}/*`);
  removeImages(`${registry.host}/${rig.prefix}/*`);
  removeImagesOn(SECOND_ENGINE, rig.prefix);
  await registry?.stop();
});

/** A service whose slow step stands before the copy of its changing source; `token` makes it new to every engine. */
const dockerfile = (token: string) =>
  [
    `FROM ${busybox}`,
    `RUN sleep 4 && echo ${token} > /slow`,
    'COPY src /src',
    'RUN cat /src /slow > /out',
    '',
  ].join('\n');

const slowStepCached = (b: RigBuild) => {
  const n = b.lines.find((l) => l.includes('RUN sleep 4'))?.split(' ')[0];
  return b.lines.includes(`${n} CACHED`);
};

/** Builds the service at v1 on the first engine with inline cache, pushes it, changes the source. */
async function pushedV1(token: string): Promise<string> {
  rig.write({ Dockerfile: dockerfile(token), src: 'v1\n' });
  const b = await rig.build('app', { inlineCache: true });
  assert.equal(b.error, undefined, String(b.error));
  const pushed = `${registry.host}/${rig.prefix}/app:${token}` as ImageRef;
  await first.tag(rig.ref('app'), pushed);
  await first.push(pushed, registry.auth, () => {});
  rig.write({ src: 'v2\n' });
  return pushed;
}

describe('the registry cache', () => {
  it('a changed service on a fresh engine reuses the steps before the change from the pushed image', async () => {
    const withCache = await pushedV1(`with-${randomUUID()}`);
    const hosts: string[] = [];
    const cached = await rig.build('app', {
      engine: 'unix:///var/run/tci-docker2.sock',
      cacheFrom: [withCache],
      registryAuth: (host) => {
        hosts.push(host);
        return host === registry.host ? registry.auth : undefined;
      },
    });
    assert.equal(cached.error, undefined, String(cached.error));
    assert.ok(slowStepCached(cached), cached.lines.join('\n'));
    assert.ok(hosts.includes(registry.host), `credentials asked for: ${hosts.join(', ')}`);
    assert.equal(rig.run('app', ['cat', '/out'], SECOND_ENGINE), `v2\n${withCache.split(':').at(-1)}\n`);

    await pushedV1(`without-${randomUUID()}`);
    const cold = await rig.build('app', { engine: 'unix:///var/run/tci-docker2.sock' });
    assert.equal(cold.error, undefined, String(cold.error));
    assert.ok(!slowStepCached(cold), cold.lines.join('\n'));
    console.log(
      `changed service on a fresh engine: ${cached.ms} ms with the registry cache, ${cold.ms} ms without`,
    );
  });

  it('without credentials for the registry, the cache is skipped and the build still succeeds', async () => {
    const pushed = await pushedV1(`nocreds-${randomUUID()}`);
    const b = await rig.build('app', { engine: 'unix:///var/run/tci-docker2.sock', cacheFrom: [pushed] });
    assert.equal(b.error, undefined, String(b.error));
    assert.ok(!slowStepCached(b), b.lines.join('\n'));
  });
});
