import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type {
  EngineBuildContext,
  EngineImageRecipe,
  ServiceBuild,
} from '../../src/build-types/build-type.js';
import { connectDockerEngine } from '../../src/builder/engines/connect-docker-engine.js';
import { InterruptedError, UserError } from '../../src/core/user-error.js';
import type { CommitSha, ImageRef } from '../../src/inputs/types.js';
import { distinctBusyboxImage } from '../helpers/base-images.js';
import { processesEnded } from '../helpers/build-rig.js';
import { GitRepo } from '../helpers/git-repo.js';
import { readService } from '../helpers/read-service.js';
import { removeImagesWhere } from '../helpers/remove-images.js';

const engine = connectDockerEngine();
const pid = process.pid;
const images: string[] = [];
// A base image of our own, so the containers of this file's builds can be found by ancestor.
const BASE = `tci-test-${pid}/base:1`;
// One temp root for the file (the helper's per-test cleanup would run before suites finish).
const root = mkdtempSync(join(tmpdir(), 'tci-docker-build-'));
const tempDir = () => mkdtemp(join(root, 'd-'));

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** The `docker` build type's reading of `fields` (as repositories[2]), and a build of it. */
type DockerBuild = EngineBuildContext & { service: ServiceBuild; tag: ImageRef; lines: string[] };

const baseImages = (ctx: DockerBuild) => ctx.service.baseImages(ctx);
const build = (ctx: DockerBuild) => (ctx.service.image as EngineImageRecipe).build(ctx);

/** A build context over a real git repository, filled with `git archive` as the clone cache would. */
async function context(repo: GitRepo, fields: Record<string, unknown>, name = 'svc'): Promise<DockerBuild> {
  const label = `service "${name}": docker build`;
  const commit = repo.head() as CommitSha;
  const dir = await tempDir();
  const tag = `tci-test-${pid}/${name}:SVC-${images.length}` as ImageRef;
  images.push(tag);
  const ctx: DockerBuild = {
    service: readService({ buildType: 'docker', ...fields }, name, 2),
    commit,
    async readFile(path) {
      try {
        return repo.git('show', `${commit}:${path}`);
      } catch {
        return undefined;
      }
    },
    async exportTree(subdir, destDir) {
      const treeish = subdir === '' ? commit : `${commit}:${subdir}`;
      const tar = execFileSync('git', ['archive', '--format=tar', treeish], { cwd: repo.path });
      execFileSync('tar', ['-x', '-C', destDir], { input: tar });
    },
    tree: () => Promise.reject(new Error('no tree here')),
    env: new Map(),
    workDir: join(dir, 'work'),
    secrets: new Map(),
    redact: (text) => text,
    cacheDir: join(dir, 'cache'),
    logFile: join(dir, 'logs', `${name}.log`),
    tag,
    images: {},
    extraSources: {},
    // As the executor gives it: the service's tag, its log and its name in failures.
    buildImage: (b) =>
      engine.buildImage({
        ...b,
        tag,
        noCache: false,
        logFile: ctx.logFile,
        onLine: (l) => ctx.onLine(l),
        signal: ctx.signal,
        label,
      }),
    buildOnEngine: (b) =>
      engine.buildWithBuildkit({
        tag,
        noCache: false,
        logFile: ctx.logFile,
        signal: ctx.signal,
        label,
        run: (e) => b({ ...e, tag, label, inlineCache: false, registryLogin: async () => undefined }),
      }),
    onLine: (l) => ctx.lines.push(l),
    signal: new AbortController().signal,
    noCache: false,
    lines: [],
  };
  return ctx;
}

before(() => {
  distinctBusyboxImage(BASE);
});

after(() => {
  for (const i of images) execFileSync('docker', ['rmi', '-f', i], { stdio: 'ignore' });
  // BASE and what was built on it and left untagged (the legacy builder keeps each stage's last
  // image): they carry BASE's label, listed newest first, so children go before their parent.
  removeImagesWhere(`label=tci.test.image=${BASE}`);
  rmSync(root, { recursive: true, force: true });
});

for (const builder of ['buildkit', 'legacy'] as const)
  describe(`the docker build type (${builder})`, () => {
    let repo: GitRepo;
    before(async () => {
      repo = GitRepo.create(join(await tempDir(), 'repo'), {
        'outside.txt': 'not in the context\n',
        'svc/build/Dockerfile': [
          '# syntax comment',
          `ARG BASE=${BASE}`,
          'FROM ${BASE} AS build',
          'ARG GREETING=hello',
          'RUN mkdir /out && echo "$GREETING from the build stage" > /out/greeting',
          'FROM $BASE AS final',
          'COPY --from=build /out/greeting /greeting',
          'COPY . /src/',
          'FROM final AS unused',
          'RUN false',
        ].join('\n'),
        'svc/.dockerignore': 'secret.txt\nbuild/\n.dockerignore\nlogs/\n!logs/keep.txt\n',
        'svc/app.txt': 'the app\n',
        'svc/secret.txt': 'committed but ignored\n',
        'svc/logs/keep.txt': 'kept\n',
        'svc/logs/drop.txt': 'dropped\n',
        'svc/deep/er/file.txt': 'nested\n',
      });
      await writeFile(join(repo.path, 'svc', 'untracked.txt'), 'not committed\n');
    });

    const fields = {
      context: 'svc',
      dockerfile: 'build/Dockerfile',
      buildArgs: { GREETING: 'bonjour' },
      target: 'final',
      builder,
    };

    test('base images: FROM lines up to the target, ARG defaults substituted, stages excluded', async () => {
      const ctx = await context(repo, fields);
      assert.deepEqual(await baseImages(ctx), [BASE]);
    });

    test('a two-stage build with build args and a target runs, from the committed context only', async () => {
      const ctx = await context(repo, fields);
      await build(ctx);
      assert.equal(docker('run', '--rm', ctx.tag, 'cat', '/greeting'), 'bonjour from the build stage');
      const files = docker('run', '--rm', ctx.tag, 'find', '/src', '-type', 'f').split('\n').sort();
      // BuildKit reads the Dockerfile from the context archive, so `COPY .` sees it even when
      // .dockerignore names it (docs/docker-and-registries.md); the ignored .dockerignore it does not.
      const dockerfile = builder === 'buildkit' ? ['/src/build/Dockerfile'] : [];
      assert.deepEqual(files, ['/src/app.txt', ...dockerfile, '/src/deep/er/file.txt', '/src/logs/keep.txt']);
      const log = await readFile(ctx.logFile, 'utf8');
      assert.match(log, /Successfully tagged/);
      // Each builder's own step lines, in the log and the live display.
      const step =
        builder === 'legacy' ? /^Step 1\/\d+ : ARG BASE=/ : /^#\d+ \[final 2\/3\] COPY --from=build /;
      assert.ok(
        ctx.lines.some((l) => step.test(l)),
        ctx.lines.join('\n'),
      );
      assert.ok(
        log.split('\n').some((l) => step.test(l)),
        log,
      );
    });

    test('the exported context is removed afterwards', async () => {
      const ctx = await context(repo, fields);
      await mkdir(ctx.workDir, { recursive: true });
      await writeFile(join(ctx.workDir, 'keep-me'), 'x');
      await build(ctx);
      assert.deepEqual(docker('run', '--rm', ctx.tag, 'cat', '/greeting'), 'bonjour from the build stage');
      assert.deepEqual(execFileSync('ls', ['-A', ctx.workDir], { encoding: 'utf8' }).trim(), 'keep-me');
    });

    test('a target the Dockerfile lacks names the service field', async () => {
      const ctx = await context(repo, { ...fields, target: 'nope' });
      await assert.rejects(() => baseImages(ctx), {
        message:
          'repositories[2].service.target: service "svc": svc/build/Dockerfile has no build stage "nope" (hint: its stages: build, final, unused)',
      });
    });

    test('a missing Dockerfile names the path and commit', async () => {
      const ctx = await context(repo, { context: 'svc', builder });
      await assert.rejects(() => baseImages(ctx), {
        message: `repositories[2].service.context: service "svc": no Dockerfile at svc/Dockerfile in commit ${ctx.commit}`,
      });
    });

    test('a context outside the repository is refused', () => {
      // Refused when the spec is read, before any build: the path names the field.
      assert.throws(() => readService({ buildType: 'docker', context: '../elsewhere' }, 'svc', 2), {
        message:
          'repositories[2].service.context: must be a relative path inside the repository (no leading "/", no "..")',
      });
    });
  });

describe('a failing build', () => {
  const failing = 'RUN echo first line of output && echo something went wrong >&2 && exit 3';

  test('BuildKit: a failing RUN names the service, the instruction, its exit status and last lines, and the log', async () => {
    const repo = GitRepo.create(join(await tempDir(), 'repo'), { Dockerfile: `FROM ${BASE}\n${failing}\n` });
    const ctx = await context(repo, {}, 'broken');
    await assert.rejects(
      () => build(ctx),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.equal(
          e.message,
          `service "broken": docker build failed: [2/2] ${failing} exited with status 3 (hint: full log: ${ctx.logFile})`,
        );
        // Standard output and error arrive as separate streams: in either order.
        assert.deepEqual(e.details.map((l) => l.replace(/^#\d+ \d+\.\d+ /, '')).sort(), [
          'first line of output',
          'something went wrong',
        ]);
        return true;
      },
    );
    assert.match(await readFile(ctx.logFile, 'utf8'), /something went wrong/);
    assert.equal(await engine.imageExists(ctx.tag), false);
  });

  test('legacy: a failing RUN names the service, the log file and the last lines', async () => {
    const repo = GitRepo.create(join(await tempDir(), 'repo'), { Dockerfile: `FROM ${BASE}\n${failing}\n` });
    const ctx = await context(repo, { builder: 'legacy' }, 'broken');
    await assert.rejects(
      () => build(ctx),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.equal(
          e.message,
          `service "broken": docker build failed: The command '/bin/sh -c echo first line of output && echo something went wrong >&2 && exit 3' returned a non-zero code: 3 (hint: full log: ${ctx.logFile})`,
        );
        assert.ok(e.details.includes('something went wrong'), e.details.join('\n'));
        assert.ok(e.details.includes('first line of output'), e.details.join('\n'));
        return true;
      },
    );
    assert.match(await readFile(ctx.logFile, 'utf8'), /something went wrong/);
    assert.equal(await engine.imageExists(ctx.tag), false);
    assert.equal(docker('ps', '-aq', '--filter', `ancestor=${BASE}`), '');
  });

  test('BuildKit: an abort cancels the engine’s solve: the RUN step’s process is gone', async () => {
    const marker = `tci-abort-${pid}-${Date.now()}`;
    const repo = GitRepo.create(join(await tempDir(), 'repo'), {
      Dockerfile: `FROM ${BASE}\nRUN echo started && sleep 60 && echo ${marker}\n`,
    });
    const ctx = await context(repo, {}, 'aborted');
    const controller = new AbortController();
    ctx.signal = controller.signal;
    ctx.onLine = (l) => {
      if (/^#\d+ \d+\.\d+ started$/.test(l)) controller.abort();
    };
    await assert.rejects(() => build(ctx), InterruptedError);
    assert.equal(controller.signal.aborted, true, 'the RUN step started');
    // BuildKit runs RUN steps as processes of its own, not containers: they must end.
    assert.deepEqual(await processesEnded(marker), []);
    assert.equal(await engine.imageExists(ctx.tag), false);
  });

  test('legacy: an abort stops the build and leaves no build container behind', async () => {
    const repo = GitRepo.create(join(await tempDir(), 'repo'), {
      Dockerfile: `FROM ${BASE}\nRUN echo started && sleep 60\n`,
    });
    const ctx = await context(repo, { builder: 'legacy' }, 'aborted');
    const controller = new AbortController();
    ctx.signal = controller.signal;
    ctx.onLine = (l) => {
      if (l === 'started') controller.abort();
    };
    await assert.rejects(() => build(ctx), InterruptedError);
    assert.equal(docker('ps', '-aq', '--filter', `ancestor=${BASE}`), '');
    assert.equal(await engine.imageExists(ctx.tag), false);
  });
});
