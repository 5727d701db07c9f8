import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBuild } from '../../src/build/run-build.js';
import type { Event } from '../../src/core/events.js';
import { Redactor } from '../../src/core/redact.js';
import { UserError } from '../../src/core/user-error.js';
import { loadClusterSpec } from '../../src/spec/cluster-spec.js';
import type { BuildConfig } from '../../src/spec/types.js';
import { EngineProxy } from '../helpers/engine-proxy.js';
import { GitRepo } from '../helpers/git-repo.js';
import {
  copyImageTo,
  FIRST_ENGINE,
  removeImagesOn,
  requireSecondEngine,
  SECOND_ENGINE,
} from '../helpers/second-engine.js';
import { makeTestStack, type TestStack } from '../helpers/stack-images.js';
import { createTestBuildpack } from '../helpers/test-buildpack.js';
import { tempDir } from '../helpers/temp-dir.js';

// The heroku-buildpack type bind-mounts folders of the base dir into its build containers:
// only an engine on this machine can see them, so such a build moves to a unix-socket engine.
const base = await tempDir('tci-binds-');
const prefix = `tci-test-binds-${process.pid}/`;
let stack: TestStack;
let remote: EngineProxy;
let specDir: string;

before(async () => {
  requireSecondEngine();
  stack = makeTestStack(20, 'binds');
  copyImageTo(stack.build);
  copyImageTo(stack.run);
  remote = await EngineProxy.start(SECOND_ENGINE.slice('unix://'.length));
  const buildpack = createTestBuildpack(join(base, 'buildpack'));
  const greeter = GitRepo.create(join(base, 'greeter'), { Procfile: 'web: bin/greet web\n', greeting: 'Hi' });
  specDir = join(base, 'spec');
  mkdirSync(specDir);
  writeFileSync(
    join(specDir, 'build.yml'),
    `repositories:\n  - name: greeter\n    kind: service\n    source: ${greeter.url('main')}\n    service:\n      buildType: heroku-buildpack\n      stack: ${stack.stack}\n      buildpack: ${buildpack.url('main')}\n`,
  );
  writeFileSync(join(specDir, 'deploy.yml'), 'resources: []\n');
});
after(async () => {
  await remote?.stop();
  for (const host of [FIRST_ENGINE, SECOND_ENGINE]) {
    removeImagesOn(host, prefix);
    removeImagesOn(host, stack.build.split(':')[0] as string);
  }
});

async function build(engines: string[], dir: string) {
  const events: Event[] = [];
  const config: BuildConfig = {
    docker: { repositoryPrefix: prefix, registries: {} },
    images: stack.images,
    engines: [],
    secrets: [],
  };
  const result = await runBuild({
    spec: await loadClusterSpec(specDir),
    config,
    releasePath: join(base, dir, 'release.json'),
    baseDir: join(base, dir, 'base-dir'),
    push: false,
    noCache: false,
    targetServices: [],
    concurrency: 2,
    engines,
    dryRun: false,
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
    redactor: new Redactor(),
    env: process.env,
  });
  return { events, result };
}

describe('builds that bind-mount base-dir paths', () => {
  it('move from an engine elsewhere to the engine on this machine', async () => {
    const { events } = await build([remote.endpoint, FIRST_ENGINE], 'moved');
    const chosen = events
      .filter((e) => e.kind === 'engine-chosen')
      .map((e) => e.kind === 'engine-chosen' && e.engine);
    assert.deepEqual(chosen, [remote.endpoint, FIRST_ENGINE]);
    assert.deepEqual(
      events.filter((e) => e.kind === 'warning' && e.message.includes('stopped answering')),
      [],
    );
  });

  it('stop with a clear error when no engine is on this machine', async () => {
    await assert.rejects(build([remote.endpoint], 'nowhere'), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(
        e.message,
        'service "greeter": its build bind-mounts files of the base dir into containers, which only an engine on this machine can see, and no engine of this build is on this machine (hint: add the local engine, e.g. --engine unix:///var/run/docker.sock)',
      );
      return true;
    });
  });
});
