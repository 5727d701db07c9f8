import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { BuildRig } from '../helpers/build-rig.js';
import { CliProcess, runCliToEnd, type CliOutcome, type JsonEvent } from '../helpers/cli-process.js';
import { engineRigs } from '../helpers/engine-rigs.js';
import { EngineProxy } from '../helpers/engine-proxy.js';
import { FIRST_ENGINE, SECOND_ENGINE } from '../helpers/second-engine.js';

/**
 * Builds across two real Docker Engines: the shared one and the second one that
 * .ci/setup-services.sh starts. An engine that goes away is a TCP proxy in front of the second
 * engine's socket, cut mid-build (the shared second engine itself is never stopped).
 */
const rigs = engineRigs('eng', { registry: true });
const { rig } = rigs;
const proxies: EngineProxy[] = [];
after(() => Promise.all(proxies.map((p) => p.stop())));

async function proxy(socket: string): Promise<EngineProxy> {
  const p = await EngineProxy.start(socket.slice('unix://'.length));
  proxies.push(p);
  return p;
}

function engineArgs(...endpoints: string[]): string[] {
  return endpoints.flatMap((e) => ['--engine', e]);
}

/** `build --log-format json` of the rig with another base dir and release path. */
function argsIn(r: BuildRig, dir: string, ...extra: string[]): string[] {
  return [
    'build',
    '--log-format',
    'json',
    '--base-dir',
    join(r.dir, dir, 'base'),
    '--build-config',
    r.configPath,
    ...extra,
    r.specDir,
    join(r.dir, dir, 'release.json'),
  ];
}

const ofKind = (o: { events: JsonEvent[] }, kind: string) => o.events.filter((e) => e.kind === kind);

/** service -> engine of its (last) build step. */
function buildEngines(o: { events: JsonEvent[] }): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of ofKind(o, 'engine-chosen'))
    if (e['step'] === 'build') out.set(String(e['service']), String(e['engine']));
  return out;
}

/** Whether the registry serves `repo@digest` (a HEAD of the manifest by digest). */
async function inRegistry(image: string): Promise<boolean> {
  const [repo, digest] = image.slice(rigs.registry.host.length + 1).split('@');
  const res = await fetch(`http://${rigs.registry.host}/v2/${repo}/manifests/${digest}`, {
    method: 'HEAD',
    headers: {
      Accept:
        'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  return res.status === 200;
}

type Release = ReturnType<BuildRig['release']>;

function releaseIn(r: BuildRig, dir: string): Release {
  return JSON.parse(readFileSync(join(r.dir, dir, 'release.json'), 'utf8')) as Release;
}

function services(release: Release) {
  return release.build.repositories.map((r) => ({
    name: r['name'],
    exactSource: r['exactSource'],
    ...(r['service'] as { dockerImage: string; buildKey: string; engine?: string }),
  }));
}

function assertSucceeded(o: CliOutcome): void {
  assert.equal(o.code, 0, o.stderr);
}

describe('a cold build of 10 services on two engines', () => {
  test('spreads the work, pushes from the engine that built each image, and gives the release of one engine', async () => {
    const r = rig(
      10,
      (name) => `FROM busybox\nRUN echo ${name}-${process.pid} > /id && sleep 1\nCMD ["cat","/id"]\n`,
    );
    // Two engines first, while both are cold: BuildKit's own cache outlives the images, so a
    // build on one engine first would leave that engine faster at the same steps.
    const two = await runCliToEnd(argsIn(r, 'two', '--push', ...engineArgs(FIRST_ENGINE, SECOND_ENGINE)));
    assertSucceeded(two);
    const one = await runCliToEnd(argsIn(r, 'one', ...engineArgs(FIRST_ENGINE)));
    assertSucceeded(one);
    assert.deepEqual(
      ofKind(one, 'engine-chosen'),
      [],
      'one engine: the events of a build as they always were',
    );
    const engines = buildEngines(two);
    assert.equal(engines.size, 10);
    const counts = [FIRST_ENGINE, SECOND_ENGINE].map(
      (e) => [...engines.values()].filter((x) => x === e).length,
    );
    assert.ok(
      counts.every((c) => c >= 3),
      `builds per engine: ${counts.join(', ')}`,
    );

    const release1 = services(releaseIn(r, 'one'));
    const release2 = services(releaseIn(r, 'two'));
    const pushed = new Map(ofKind(two, 'image-pushed').map((e) => [String(e['service']), e]));
    for (const [i, s] of release2.entries()) {
      const s1 = release1[i];
      assert.ok(s1 !== undefined);
      assert.equal(s.buildKey, s1.buildKey, `${s.name}: same build key as on one engine`);
      assert.equal(s.exactSource, s1.exactSource);
      assert.equal(s.dockerImage.split('@')[0], s1.dockerImage.split(':SVC-')[0]);
      assert.equal(s.engine, undefined, 'a pushed image names no engine');
      assert.equal(s1.engine, undefined, 'one engine names no engine');
      const event = pushed.get(String(s.name));
      assert.equal(`${String(event?.['ref'])}@${String(event?.['digest'])}`, s.dockerImage);
      assert.equal(
        event?.['engine'],
        engines.get(String(s.name)),
        `${s.name} pushed from where it was built`,
      );
      assert.ok(await inRegistry(s.dockerImage), `${s.dockerImage} is in the registry`);
    }
    assert.deepEqual(ofKind(two, 'warning'), []);
  });
});

describe('an engine that stops answering mid-build', () => {
  test('its work finishes on the other engine, with one warning naming it, and only real pushes are reported', async () => {
    const r = rig(
      6,
      (name) => `FROM busybox\nRUN echo ${name}-${process.pid} > /id && sleep 4\nCMD ["cat","/id"]\n`,
    );
    const gone = await proxy(SECOND_ENGINE);
    const cli = CliProcess.start(argsIn(r, 'cut', '--push', ...engineArgs(FIRST_ENGINE, gone.endpoint)));
    const chosen = await cli.waitFor(
      (e) => e.kind === 'engine-chosen' && e['engine'] === gone.endpoint && e['step'] === 'build',
      'a build on the engine behind the proxy',
    );
    await cli.waitFor(
      (e) =>
        e.kind === 'log-line' &&
        e['service'] === chosen['service'] &&
        /^#\d+ \[2\/2\] RUN /.test(String(e['line'])),
      'its RUN step',
    );
    await gone.cut();
    const o = await cli.done;
    assertSucceeded(o);

    const warnings = ofKind(o, 'warning').map((e) => String(e['message']));
    assert.equal(warnings.filter((w) => w.includes(gone.endpoint)).length, 1, warnings.join('\n'));
    assert.match(
      warnings[0] ?? '',
      /^engine tcp:\/\/127\.0\.0\.1:\d+ stopped answering \(E[A-Z]+\): it is out of this build/,
    );
    const cutAt = o.events.findIndex((e) => e.kind === 'warning');
    assert.ok(
      o.events.slice(cutAt).every((e) => e.kind !== 'engine-chosen' || e['engine'] === FIRST_ENGINE),
      'nothing goes to the lost engine afterwards',
    );
    assert.equal(buildEngines(o).get(String(chosen['service'])), FIRST_ENGINE, 'its build ran again');

    const release = services(releaseIn(r, 'cut'));
    const pushed = ofKind(o, 'image-pushed');
    assert.equal(pushed.length, 6, 'one push reported per service');
    for (const s of release) {
      const event = pushed.find((e) => e['service'] === s.name);
      assert.equal(`${String(event?.['ref'])}@${String(event?.['digest'])}`, s.dockerImage);
      assert.ok(await inRegistry(s.dockerImage), `${s.dockerImage} is in the registry`);
    }
  });
});

describe('a build with nothing to do on several engines', () => {
  test('contacts no engine but the first, with the requests of a one-engine no-op', async () => {
    const r = rig(4, (name) => `FROM busybox\nRUN echo ${name}-${process.pid} > /id\n`);
    const key = await proxy(FIRST_ENGINE);
    const second = await proxy(SECOND_ENGINE);
    assertSucceeded(
      await runCliToEnd(argsIn(r, 'b', '--push', ...engineArgs(key.endpoint, second.endpoint))),
    );
    assert.ok(second.connections > 0, 'the first build used the second engine');

    key.reset();
    second.reset();
    const noop = await runCliToEnd(argsIn(r, 'b', '--push', ...engineArgs(key.endpoint, second.endpoint)));
    assertSucceeded(noop);
    assert.deepEqual(
      ofKind(noop, 'plan-decided').map((e) => e['action']),
      ['skip', 'skip', 'skip', 'skip'],
    );
    assert.equal(second.connections, 0, `the second engine was asked: ${second.requests.join(', ')}`);
    const several = [...key.requests].sort();

    key.reset();
    assertSucceeded(await runCliToEnd(argsIn(r, 'b', '--push', ...engineArgs(key.endpoint))));
    assert.deepEqual(several, [...key.requests].sort(), 'the first engine is asked what one engine is asked');
    assert.ok(
      several.every((q) => q.startsWith('GET /images/')),
      several.join(', '),
    );
  });

  test('without --push, asks each image only of the engine that holds it', async () => {
    const r = rig(4, (name) => `FROM busybox\nRUN echo ${name}-${process.pid} > /id\n`);
    const key = await proxy(FIRST_ENGINE);
    const second = await proxy(SECOND_ENGINE);
    const first = await runCliToEnd(argsIn(r, 'b', ...engineArgs(key.endpoint, second.endpoint)));
    assertSucceeded(first);
    assert.match(
      String(ofKind(first, 'warning')[0]?.['message']),
      /without --push, each image stays on the engine that holds it/,
    );
    const where = buildEngines(first);
    const release = services(releaseIn(r, 'b'));
    for (const s of release)
      assert.equal(s.engine, where.get(String(s.name)), `${s.name}: the release names its engine`);

    key.reset();
    second.reset();
    const noop = await runCliToEnd(argsIn(r, 'b', ...engineArgs(key.endpoint, second.endpoint)));
    assertSucceeded(noop);
    assert.deepEqual(ofKind(noop, 'warning'), []);
    const tagsOn = (engine: string) =>
      release
        .filter((s) => s.engine === engine)
        .map((s) => `GET /images/${s.dockerImage}/json`)
        .sort();
    assert.deepEqual([...second.requests].sort(), tagsOn(second.endpoint));
    assert.deepEqual(
      key.requests.filter((q) => q.includes(r.prefix)).sort(),
      tagsOn(key.endpoint),
      'the first engine is asked only for its own images (and the base image)',
    );
    assert.deepEqual(services(releaseIn(r, 'b')), release, 'the no-op release names the same engines');
  });
});

describe('engines that cannot take the work', () => {
  test('an engine that is not there is left out with one warning; the build goes on', async () => {
    const r = rig(3, (name) => `FROM busybox\nRUN echo ${name}-${process.pid} > /id\n`);
    const o = await runCliToEnd(
      argsIn(r, 'b', ...engineArgs(FIRST_ENGINE, 'unix:///nonexistent/tci-engine.sock')),
    );
    assertSucceeded(o);
    const warnings = ofKind(o, 'warning').map((e) => String(e['message']));
    assert.deepEqual(
      warnings.filter((w) => w.includes('nonexistent')),
      [
        'engine unix:///nonexistent/tci-engine.sock stopped answering (ENOENT): it is out of this build, its work goes to unix:///var/run/docker.sock',
      ],
    );
    assert.deepEqual([...new Set(buildEngines(o).values())], [FIRST_ENGINE]);
  });

  test('a failing RUN is the service failing: it is not retried on another engine', async () => {
    const r = rig(1, () => `FROM busybox\nRUN echo broken-${process.pid} && exit 3\n`);
    const o = await runCliToEnd(argsIn(r, 'b', ...engineArgs(SECOND_ENGINE, FIRST_ENGINE)));
    assert.equal(o.code, 1, o.stderr);
    assert.match(
      o.stderr,
      /service "svc-0": docker build failed: \[2\/2\] RUN echo broken-\d+ && exit 3 exited with status 3/,
    );
    assert.equal(ofKind(o, 'engine-chosen').length, 1);
    assert.equal(ofKind(o, 'step-failed').length, 1);
    assert.deepEqual(
      ofKind(o, 'warning').filter((e) => String(e['message']).includes('stopped answering')),
      [],
    );
  });
});
