import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BuildRig, listFiles, processesEnded, processesWith } from '../helpers/build-rig.js';
import { CliProcess, runCliToEnd, type CliOutcome, type JsonEvent } from '../helpers/cli-process.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { GitHttpServer } from '../helpers/git-http-server.js';
import { HerokuAppRig } from '../helpers/heroku-app-rig.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeTestStack, type TestStack } from '../helpers/stack-images.js';

/**
 * A build killed (SIGKILL) or interrupted (SIGINT) while cloning, building, pushing and writing
 * the release; then run again. The second run succeeds, its release is right, and work that
 * was complete before the kill is not done again. SIGINT ends with status 130, no container of
 * the build left, and no release.
 */
const rigs: BuildRig[] = [];
after(() => rigs.forEach((r) => r.cleanup()));
let marks = 0;

/** `fast` builds in a second; `slow` runs a RUN step (with a unique marker) for a few seconds. */
function twoServiceRig(opts: { prefix?: string } = {}): { rig: BuildRig; marker: string } {
  const marker = `tci-int-${process.pid}-${++marks}`;
  const rig = BuildRig.create(
    [
      { name: 'fast', dockerfile: `FROM busybox\nRUN echo fast-${marker} > /id\nCMD ["cat","/id"]\n` },
      {
        name: 'slow',
        dockerfile: `FROM busybox\nRUN echo ${marker} && sleep 6 && echo ${marker} > /id\nCMD ["cat","/id"]\n`,
      },
    ],
    opts.prefix !== undefined ? { prefix: opts.prefix } : {},
  );
  rigs.push(rig);
  return { rig, marker };
}

const isEvent =
  (kind: string, service?: string, extra: (e: JsonEvent) => boolean = () => true) =>
  (e: JsonEvent) =>
    e.kind === kind && (service === undefined || e['service'] === service) && extra(e);

/** BuildKit's output line of the slow RUN step (`#5 0.101 tci-int-…`): the step is running. */
function runStarted(e: JsonEvent, marker: string): boolean {
  return new RegExp(`^#\\d+ \\d+\\.\\d+ ${marker}$`).test(String(e['line']));
}

function actions(o: CliOutcome): Record<string, unknown> {
  return Object.fromEntries(
    o.events.filter((e) => e.kind === 'plan-decided').map((e) => [e['service'], e['action']]),
  );
}

function imageOutput(rig: BuildRig, service: string): string {
  const entry = rig.release().build.repositories.find((r) => r['name'] === service);
  const image = (entry?.['service'] as { dockerImage: string }).dockerImage;
  return execFileSync('docker', ['run', '--rm', image], { encoding: 'utf8' });
}

/** The release is complete and every image in it runs and is what its service built. */
function assertReleaseCorrect(rig: BuildRig, marker: string): void {
  assert.equal(imageOutput(rig, 'fast'), `fast-${marker}\n`);
  assert.equal(imageOutput(rig, 'slow'), `${marker}\n`);
}

describe('interrupted while building an image', () => {
  test('SIGINT: exit 130, the RUN step is gone, no release; the rerun builds only what was unfinished', async () => {
    const { rig, marker } = twoServiceRig();
    const cli = CliProcess.start(rig.buildArgs());
    await cli.waitFor(isEvent('step-finished', 'fast'), 'fast finished');
    await cli.waitFor(
      isEvent('log-line', 'slow', (e) => runStarted(e, marker)),
      'RUN started',
    );
    assert.ok(processesWith(marker).length > 0, 'the RUN step is running');
    cli.kill('SIGINT');
    const o = await cli.done;
    assert.equal(o.code, 130, o.stderr);
    assert.match(o.stderr, /interrupted/);
    assert.deepEqual(await processesEnded(marker), [], 'the RUN step outlived the interrupt');
    assert.equal(existsSync(rig.releasePath), false);

    const again = await runCliToEnd(rig.buildArgs());
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(actions(again), { fast: 'skip', slow: 'build' });
    assert.ok(again.events.some(isEvent('step-skipped', 'fast')));
    assertReleaseCorrect(rig, marker);
  });

  test('SIGKILL: the rerun takes over the lock, builds only what was unfinished, and leaves no container', async () => {
    const { rig, marker } = twoServiceRig();
    const cli = CliProcess.start(rig.buildArgs());
    await cli.waitFor(isEvent('step-finished', 'fast'), 'fast finished');
    await cli.waitFor(
      isEvent('log-line', 'slow', (e) => runStarted(e, marker)),
      'RUN started',
    );
    cli.kill('SIGKILL');
    await cli.done;
    assert.equal(existsSync(rig.releasePath), false);
    assert.ok(existsSync(join(rig.baseDir, 'build.lock')), 'the killed build held the lock');

    const again = await runCliToEnd(rig.buildArgs());
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.events.filter((e) => e.kind === 'lock-waiting').length, 0, 'waited for a dead holder');
    assert.deepEqual(actions(again), { fast: 'skip', slow: 'build' });
    assertReleaseCorrect(rig, marker);
    // The engine notices the closed connection and cancels the orphaned RUN step itself.
    assert.deepEqual(await processesEnded(marker), []);
  });
});

describe('interrupted while cloning', () => {
  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    test(`${signal}: no half clone is taken for a whole one; the rerun clones and succeeds`, async () => {
      const { rig, marker } = twoServiceRig();
      const served = join(rig.dir, 'served');
      for (const name of ['fast', 'slow']) {
        execFileSync('git', [
          'clone',
          '-q',
          '--bare',
          rig.repos.get(name)?.path ?? '',
          join(served, `${name}.git`),
        ]);
      }
      const server = await GitHttpServer.start(served);
      try {
        const spec = join(rig.specDir, 'build.yml');
        writeFileSync(
          spec,
          readFileSync(spec, 'utf8').replace(
            /source: "file:\/\/.*\/repos\/(\w+)#main"/g,
            (_m, name: string) => {
              return `source: "${server.url(`${name}.git`)}#main"`;
            },
          ),
        );
        // Each request of git's smart-HTTP exchange waits: the clone takes seconds.
        server.delayMs = 1500;
        const cli = CliProcess.start(rig.buildArgs());
        await server.nextRequest();
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(cli.child.exitCode, null, 'still cloning');
        cli.kill(signal);
        const o = await cli.done;
        if (signal === 'SIGINT') assert.equal(o.code, 130, o.stderr);
        assert.equal(existsSync(rig.releasePath), false);

        server.delayMs = 0;
        const again = await runCliToEnd(rig.buildArgs());
        assert.equal(again.code, 0, again.stderr);
        assertReleaseCorrect(rig, marker);
        // What a killed clone left behind was cleared away.
        assert.deepEqual(
          rig.baseDirFiles().filter((f) => f.includes('.tmp-')),
          [],
        );
      } finally {
        await server.stop();
      }
    });
  }
});

describe('interrupted while pushing', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    test(`${signal}: nothing is reported pushed; the rerun pushes without building again`, async () => {
      registry ??= await startRegistry();
      proxy ??= await FaultProxy.start(registry.host);
      proxy.clear();
      const { rig, marker } = twoServiceRig({ prefix: `${proxy.host}/tci-int-${process.pid}-${marks + 1}/` });
      // Uploads crawl, so the push is still going when the signal comes.
      proxy.inject({ kind: 'delay', ms: 2000 }, { match: (q) => q.method !== 'GET' && q.method !== 'HEAD' });
      const cli = CliProcess.start(rig.buildArgs('--push'));
      await cli.waitFor(
        isEvent('step-started', 'slow', (e) => e['step'] === 'push'),
        'slow push started',
      );
      await new Promise((r) => setTimeout(r, 500));
      cli.kill(signal);
      const o = await cli.done;
      if (signal === 'SIGINT') assert.equal(o.code, 130, o.stderr);
      assert.equal(o.events.filter(isEvent('image-pushed', 'slow')).length, 0);
      assert.equal(existsSync(rig.releasePath), false);

      proxy.clear();
      const again = await runCliToEnd(rig.buildArgs('--push'));
      assert.equal(again.code, 0, again.stderr);
      assert.equal(actions(again)['slow'], 'push', 'the built image is pushed, not built again');
      assert.ok(!again.events.some(isEvent('step-started', 'slow', (e) => e['step'] === 'build')));
      const pinned = rig.release().build.repositories.find((r) => r['name'] === 'slow');
      assert.match((pinned?.['service'] as { dockerImage: string }).dockerImage, /@sha256:[0-9a-f]{64}$/);
      assertReleaseCorrect(rig, marker);
    });
  }
});

describe('killed while writing the release', () => {
  test('SIGKILL at the last step: the release is the old one or the whole new one; the rerun does no image work', async () => {
    const { rig, marker } = twoServiceRig();
    writeFileSync(rig.releasePath, 'OLD RELEASE\n');
    const cli = CliProcess.start(rig.buildArgs());
    await cli.waitFor(isEvent('step-finished', 'slow'), 'slow finished');
    cli.kill('SIGKILL');
    await cli.done;
    const text = readFileSync(rig.releasePath, 'utf8');
    if (text !== 'OLD RELEASE\n') assert.doesNotThrow(() => JSON.parse(text), 'a half-written release');

    const again = await runCliToEnd(rig.buildArgs());
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(actions(again), { fast: 'skip', slow: 'skip' });
    assert.equal(again.events.filter((e) => e.kind === 'step-started').length, 0);
    assertReleaseCorrect(rig, marker);
    // No temporary release file is left beside it.
    const leftovers = execFileSync('ls', ['-A', rig.dir], { encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.includes('.tmp-'));
    assert.deepEqual(leftovers, []);
  });
});

describe('interrupted while building or pushing an image the tool writes (heroku-buildpack)', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let stack: TestStack;
  const root = mkdtempSync(join(tmpdir(), 'tci-int-app-'));
  let n = 0;
  before(async () => {
    registry = await startRegistry();
    proxy = await FaultProxy.start(registry.host);
    stack = makeTestStack(26, 'interrupt');
  });
  after(async () => {
    execFileSync('sh', ['-c', `docker ps -aq --filter ancestor=${stack.build} | xargs -r docker rm -f`]);
    await proxy?.stop();
    await registry?.stop();
    stack?.remove();
    rmSync(root, { recursive: true, force: true });
  });
  const newRig = () =>
    new HerokuAppRig(join(root, `rig-${++n}`), stack, {
      prefix: `${proxy.host}/tci-int-app-${process.pid}-${n}/`,
    });

  test('SIGKILL during bin/compile: the next build uses the base dir correctly and leaves no temp files', async () => {
    const rig = newRig();
    rig.app.commit({ 'slow-compile': '' });
    const cli = CliProcess.start(rig.buildArgs('--push'));
    await cli.waitFor(
      isEvent('log-line', 'greeter', (e) => e['line'] === 'sleeping'),
      'compile sleeping',
    );
    cli.kill('SIGKILL');
    await cli.done;
    assert.equal(existsSync(rig.releasePath), false);

    rig.app.commit({ 'slow-compile': null });
    const again = await runCliToEnd(rig.buildArgs('--push'));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(actions(again), { greeter: 'build' });
    // Pulled from the registry itself, not through the proxy.
    const image = String(rig.service()['dockerImage']).replace(proxy.host, registry.host);
    assert.match(
      execFileSync('docker', ['run', '--rm', image], { encoding: 'utf8' }),
      / from bin\/greet web\n$/,
    );
    execFileSync('docker', ['rmi', image], { stdio: 'ignore' });
    assert.deepEqual(
      listFiles(rig.baseDir).filter((f) => f.includes('.tmp-')),
      [],
    );
  });

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    test(`${signal} during the push: nothing reported pushed; the rerun pushes from the base dir without building`, async () => {
      const rig = newRig();
      proxy.clear();
      proxy.inject({ kind: 'delay', ms: 2000 }, { match: (q) => q.method !== 'GET' && q.method !== 'HEAD' });
      const cli = CliProcess.start(rig.buildArgs('--push'));
      await cli.waitFor(
        isEvent('step-started', 'greeter', (e) => e['step'] === 'push'),
        'push started',
      );
      await new Promise((r) => setTimeout(r, 500));
      cli.kill(signal);
      const o = await cli.done;
      if (signal === 'SIGINT') assert.equal(o.code, 130, o.stderr);
      assert.equal(o.events.filter(isEvent('image-pushed')).length, 0);
      assert.equal(existsSync(rig.releasePath), false);

      proxy.clear();
      const again = await runCliToEnd(rig.buildArgs('--push'));
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(actions(again), { greeter: 'push' });
      assert.ok(!again.events.some(isEvent('step-started', 'greeter', (e) => e['step'] === 'build')));
      const pushed = again.events.find(isEvent('image-pushed'));
      assert.equal(rig.service()['imageDigest'], pushed?.['digest']);
    });
  }
});
