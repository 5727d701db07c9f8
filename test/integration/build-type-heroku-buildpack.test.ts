import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatProblem } from '../../src/core/problem.js';
import { InterruptedError, UserError } from '../../src/core/user-error.js';
import type { CommitSha } from '../../src/inputs/types.js';
import { GitRepo } from '../helpers/git-repo.js';
import { buildAppService } from '../helpers/app-build.js';
import { readService } from '../helpers/read-service.js';
import { makeTestStack, type TestStack } from '../helpers/stack-images.js';
import { createTestBuildpack } from '../helpers/test-buildpack.js';
import { tempDir } from '../helpers/temp-dir.js';
import { removeImages } from '../helpers/remove-images.js';

/** These calls read no committed tree. */
const noTree = () => Promise.reject(new Error('no tree here'));

const base = await tempDir('tci-heroku-');
const prefix = `tci-test-heroku-${process.pid}/`;
let stack: TestStack;
let buildpack: GitRepo;

before(() => {
  stack = makeTestStack(16, 'heroku');
  buildpack = createTestBuildpack(join(base, 'buildpack'));
});
after(() => {
  removeImages(`${prefix}*`);
  stack?.remove();
});

const PROCFILE = '# processes\nweb: bin/greet web\nworker: echo "worker sees $GREETING"\n';

function app(name: string, files: Record<string, string>): GitRepo {
  return GitRepo.create(join(base, 'apps', name), files);
}

/** The stack images the build type names for these fields, with the build config's `images`. */
function stackImagesOf(
  name: string,
  repo: GitRepo,
  fields: Record<string, unknown>,
  images: Record<string, string>,
) {
  const service = readService(
    { buildType: 'heroku-buildpack', buildpack: buildpack.url(), ...fields },
    name,
    0,
    {
      schema: false,
    },
  );
  return service.baseImages({
    commit: repo.head() as CommitSha,
    readFile: async () => undefined,
    tree: noTree,
    images,
  });
}

async function build(name: string, repo: GitRepo, opts: { signal?: AbortSignal; lines?: string[] } = {}) {
  const result = await buildAppService({
    dir: join(base, 'builds', name),
    name,
    repo,
    service: `{buildType: heroku-buildpack, stack: ${stack.stack}, buildpack: "${buildpack.url('main')}"}`,
    prefix,
    images: stack.images,
    ...opts,
  });
  return { tag: result.image, logFile: result.logFile, service: result.service };
}

function run(image: string, ...args: string[]): string {
  return execFileSync('docker', ['run', '--rm', image, ...args], { encoding: 'utf8' });
}

async function userErrorOf(p: Promise<unknown>): Promise<{ problems: string[]; details: readonly string[] }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { problems: e.problems.map(formatProblem), details: e.details };
  }
  assert.fail('expected a UserError');
}

function containersOf(image: string): string {
  return execFileSync('docker', ['ps', '-aq', '--filter', `ancestor=${image}`], { encoding: 'utf8' }).trim();
}

describe('heroku-buildpack build type', () => {
  it('names the stack images, mapped through the build config', async () => {
    const repo = app('names', { Procfile: PROCFILE });
    const fields = { stack: stack.stack };
    assert.deepEqual(await stackImagesOf('names', repo, fields, {}), [
      'heroku/heroku:16-build',
      'heroku/heroku:16',
    ]);
    assert.deepEqual(await stackImagesOf('names', repo, fields, stack.images), [stack.build, stack.run]);
  });

  it('builds an image whose Procfile processes see what .profile.d exported', async () => {
    const repo = app('greeter', { Procfile: PROCFILE, greeting: 'Hello' });
    // Untracked files in the clone stay out of the image.
    writeFileSync(join(repo.path, 'untracked.txt'), 'not committed');
    const lines: string[] = [];
    const { tag, logFile, service: built } = await build('greeter', repo, { lines });
    assert.equal(built['reproducible'], true);
    assert.match(String(built['imageDigest']), /^sha256:[0-9a-f]{64}$/);

    assert.equal(run(tag, 'web'), 'Hello from bin/greet web\n');
    assert.equal(run(tag, 'worker'), 'worker sees Hello\n');
    assert.equal(run(tag, 'web', 'and', 'more'), 'Hello from bin/greet web and more\n');
    assert.equal(run(tag, 'echo', 'hi'), 'hi\n');
    assert.equal(run(tag), 'Hello from bin/greet web\n', 'no arguments runs web');
    assert.equal(run(tag, 'cat', '/etc/stack-image'), 'run\n', 'made from the run image');
    assert.equal(
      run(tag, 'ls', '-A', '/app'),
      '.profile.d\nProcfile\nbin\nbuild-info\ncompile-count\ngreeting\n',
      'the compiled app, without untracked files',
    );
    assert.equal(
      run(tag, 'cat', '/app/build-info'),
      `STACK=heroku-16\nSOURCE_VERSION=${repo.head()}\nuid=1000\nbuildpack=1\nenv=\n`,
    );
    const log = readFileSync(logFile, 'utf8');
    assert.match(log, /-----> \/buildpack\/bin\/detect \/app\nGreeting\n/);
    assert.match(log, /-----> compiling greeting\n/);
    assert.ok(lines.includes('-----> compiling greeting'), 'compile output reaches the live display');
    assert.equal(containersOf(stack.build), '', 'no build container is left');
  });

  it('keeps the buildpack cache of a service between builds', async () => {
    const repo = app('cached', { Procfile: PROCFILE, greeting: 'Hi' });
    const first = await build('cached', repo);
    repo.commit({ greeting: 'Hi again' });
    const second = await build('cached', repo);
    assert.equal(run(first.tag, 'cat', '/app/compile-count'), '1\n');
    assert.equal(run(second.tag, 'cat', '/app/compile-count'), '2\n');
  });

  it('fails with the service, the step, the last log lines and the log file when detect fails', async () => {
    const repo = app('nodetect', { Procfile: PROCFILE });
    const err = await userErrorOf(build('nodetect', repo));
    assert.deepEqual(err.problems, [
      `service "nodetect": bin/detect failed: exit status 1 (hint: the buildpack does not recognise this app (its bin/detect exited non-zero); full log: ${join(base, 'builds', 'nodetect', 'base', 'logs', 'nodetect', 'build.log')})`,
    ]);
    assert.deepEqual(err.details, ['no greeting file']);
    assert.equal(containersOf(stack.build), '');
  });

  it('fails naming bin/compile when compile fails', async () => {
    const repo = app('nocompile', { Procfile: PROCFILE, greeting: 'x', 'fail-compile': '' });
    const err = await userErrorOf(build('nocompile', repo));
    assert.deepEqual(err.problems, [
      `service "nocompile": bin/compile failed: exit status 3 (hint: full log: ${join(base, 'builds', 'nocompile', 'base', 'logs', 'nocompile', 'build.log')})`,
    ]);
    // stdout and stderr of a container arrive on separate streams: their relative order is not kept.
    assert.deepEqual([...err.details.slice(-2)].sort(), [
      '-----> compiling greeting',
      'compile failed on purpose',
    ]);
  });

  it('rejects a missing or malformed Procfile before running the buildpack', async () => {
    const missing = app('noprocfile', { greeting: 'x' });
    assert.deepEqual((await userErrorOf(build('noprocfile', missing))).problems, [
      `Procfile: service "noprocfile": the repository has no Procfile at commit ${missing.head()} (hint: the image runs processes named in a Procfile at the repository root, e.g. \`web: npm start\`)`,
    ]);
    const malformed = app('badprocfile', { greeting: 'x', Procfile: 'web: ok\nweb: again\n' });
    assert.deepEqual((await userErrorOf(build('badprocfile', malformed))).problems, [
      'Procfile:2: service "badprocfile": process "web" is defined twice (first on line 1)',
    ]);
  });

  it('rejects a stack that is not heroku-<N>', async () => {
    const repo = app('oddstack', { Procfile: PROCFILE });
    const err = await userErrorOf(stackImagesOf('oddstack', repo, { stack: 'cedar' }, {}));
    assert.deepEqual(err.problems, [
      'repositories[0].service.stack: service "oddstack": stack "cedar" is not of the form heroku-<N> (hint: e.g. heroku-16; the build config can map its images (heroku/heroku:16-build, heroku/heroku:16) through `images`)',
    ]);
  });

  it('kills and removes the build container when the build is aborted', async () => {
    const repo = app('aborted', { Procfile: PROCFILE, greeting: 'x', 'slow-compile': '' });
    const abort = new AbortController();
    const lines: string[] = [];
    const watch = setInterval(() => {
      if (lines.includes('sleeping')) abort.abort();
    }, 50);
    try {
      await assert.rejects(build('aborted', repo, { signal: abort.signal, lines }), InterruptedError);
    } finally {
      clearInterval(watch);
    }
    assert.equal(containersOf(stack.build), '');
  });
});
