import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { GitRepo } from '../helpers/git-repo.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Issue 3's acceptance: a spec of three docker services (branch, annotated tag, full SHA) and
 * one `other` repository, built and pushed to a real registry, then rebuilt.
 */

interface JsonEvent {
  kind: string;
  service?: string;
  action?: string;
  step?: string;
}

const base = ensureBusyboxImage();

function dockerfile(name: string, extra = ''): string {
  return `FROM ${base}\nCOPY message.txt /message.txt\nRUN echo built-${name} > /built.txt\n${extra}CMD ["cat", "/message.txt"]\n`;
}

function events(stdout: string): JsonEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JsonEvent);
}

function actions(evts: JsonEvent[]): Record<string, string> {
  return Object.fromEntries(evts.filter((e) => e.kind === 'plan-decided').map((e) => [e.service, e.action]));
}

function withoutCreatedAt(release: string): unknown {
  const r = JSON.parse(release) as { release: { createdAt?: string } };
  delete r.release.createdAt;
  return r;
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

describe('build --push of branch, annotated tag and full-SHA services', () => {
  let registry: TestRegistry;
  let dir: string;
  let alpha: GitRepo;
  let beta: GitRepo;
  let gamma: GitRepo;
  let delta: GitRepo;
  let gammaSha: string;
  let betaSha: string;
  let prefix: string;
  const run = (...extra: string[]) =>
    runCli(
      [
        'build',
        '--push',
        '--log-format',
        'json',
        '--base-dir',
        join(dir, 'base'),
        '--build-config',
        join(dir, 'build-config.yml'),
        ...extra,
        join(dir, 'spec'),
        join(dir, 'release.json'),
      ],
      { cwd: dir },
    );

  before(async () => {
    registry = await startRegistry();
    dir = await tempDir();
    prefix = `${registry.host}/e2e-${process.pid}/`;
    alpha = GitRepo.create(join(dir, 'repos/alpha'), {
      Dockerfile: dockerfile('alpha'),
      'message.txt': 'alpha 1\n',
    });
    beta = GitRepo.create(join(dir, 'repos/beta'), {
      Dockerfile: dockerfile('beta'),
      'message.txt': 'beta 1\n',
    });
    betaSha = beta.tag('v1.0.0', { annotated: true });
    beta.commit({ 'message.txt': 'beta after the tag\n' });
    gamma = GitRepo.create(join(dir, 'repos/gamma'), {
      Dockerfile: dockerfile('gamma'),
      'message.txt': 'gamma 1\n',
    });
    gammaSha = gamma.head();
    gamma.commit({ 'message.txt': 'gamma later\n' });
    delta = GitRepo.create(join(dir, 'repos/delta'), { 'README.md': 'docs only\n' });
    mkdirSync(join(dir, 'spec'));
    writeFileSync(
      join(dir, 'spec/build.yml'),
      [
        'repositories:',
        `  - {name: alpha, kind: service, source: "${alpha.url('main')}", service: {buildType: docker}}`,
        `  - {name: beta, kind: service, source: "${beta.url('v1.0.0')}", service: {buildType: docker}}`,
        `  - {name: gamma, kind: service, source: "${gamma.url(gammaSha)}", service: {buildType: docker}}`,
        `  - {name: delta, kind: other, source: "${delta.url()}", docs: {tier: libraries}}`,
      ].join('\n') + '\n',
    );
    writeFileSync(join(dir, 'spec/deploy.yml'), 'resources: []\n');
    writeFileSync(join(dir, 'build-config.yml'), `docker:\n  repositoryPrefix: ${prefix}\n`);
  });
  after(async () => {
    await registry.stop();
    const images = docker('images', '--format', '{{.Repository}}:{{.Tag}}').split('\n');
    const ours = images.filter((i) => i.startsWith(prefix));
    if (ours.length > 0) execFileSync('docker', ['rmi', '-f', ...ours], { stdio: 'ignore' });
  });

  test('the first build pins every source and pushes every image by digest', async () => {
    const res = await run();
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(actions(events(res.stdout)), { alpha: 'build', beta: 'build', gamma: 'build' });
    const release = JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8'));
    const repos = release.build.repositories as Array<{
      name: string;
      exactSource: string;
      service?: { dockerImage: string; buildKey: string };
    }>;
    const byName = Object.fromEntries(repos.map((r) => [r.name, r]));
    assert.equal(byName['alpha']?.exactSource, `${alpha.url()}#${alpha.head()}`);
    assert.equal(
      byName['beta']?.exactSource,
      `${beta.url()}#${betaSha}`,
      'annotated tag resolves to its commit',
    );
    assert.equal(byName['gamma']?.exactSource, `${gamma.url()}#${gammaSha}`);
    assert.equal(byName['delta']?.exactSource, `${delta.url()}#${delta.head()}`);
    assert.equal(byName['delta']?.service, undefined);
    assert.ok(
      typeof release.release.createdAt === 'string' && release.release.tool.name === 'taskcluster-installer',
    );
    for (const name of ['alpha', 'beta', 'gamma']) {
      const image = byName[name]?.service?.dockerImage ?? '';
      assert.match(image, new RegExp(`^${prefix.replace(/\./g, '\\.')}${name}@sha256:[0-9a-f]{64}$`));
      // The registry serves that digest, and the image it serves runs.
      const digest = image.split('@')[1] as string;
      const head = await fetch(`http://${registry.host}/v2/e2e-${process.pid}/${name}/manifests/${digest}`, {
        method: 'HEAD',
        headers: {
          Accept:
            'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
        },
      });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('docker-content-digest'), digest);
    }
    const gammaImage = byName['gamma']?.service?.dockerImage as string;
    docker('rmi', '-f', gammaImage);
    docker('pull', gammaImage);
    assert.equal(docker('run', '--rm', gammaImage), 'gamma 1');
  });

  test('a repeated build does no image work and writes an equivalent release', async () => {
    const before = readFileSync(join(dir, 'release.json'), 'utf8');
    const res = await run();
    assert.equal(res.code, 0, res.stderr);
    const evts = events(res.stdout);
    assert.deepEqual(actions(evts), { alpha: 'skip', beta: 'skip', gamma: 'skip' });
    assert.deepEqual(
      evts.filter((e) => e.kind === 'step-started'),
      [],
      'no step started',
    );
    assert.deepEqual(
      withoutCreatedAt(readFileSync(join(dir, 'release.json'), 'utf8')),
      withoutCreatedAt(before),
    );
  });

  test('a new commit on the branch rebuilds only that service', async () => {
    const sha = alpha.commit({ 'message.txt': 'alpha 2\n' });
    const res = await run();
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(actions(events(res.stdout)), { alpha: 'build', beta: 'skip', gamma: 'skip' });
    const release = JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8'));
    const alphaEntry = release.build.repositories.find((r: { name: string }) => r.name === 'alpha');
    assert.equal(alphaEntry.exactSource, `${alpha.url()}#${sha}`);
    docker('rmi', '-f', alphaEntry.service.dockerImage);
    assert.equal(docker('run', '--rm', alphaEntry.service.dockerImage), 'alpha 2');
  });

  test('--target-service builds only that service and keeps the others in the release', async () => {
    const before = JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8'));
    const res = await run('--target-service', 'gamma');
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(actions(events(res.stdout)), { gamma: 'skip' });
    const after = JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8'));
    assert.deepEqual(after.build, before.build, 'every repository still listed, images carried over');
  });

  test('a failing RUN names the service and the log file, exits 1 and keeps the old release', async () => {
    const releaseBefore = readFileSync(join(dir, 'release.json'));
    const mtimeBefore = statSync(join(dir, 'release.json')).mtimeMs;
    alpha.commit({ Dockerfile: dockerfile('alpha', 'RUN echo about to fail && exit 3\n') });
    const res = await runCli(
      [
        'build',
        '--push',
        '--log-format',
        'plain',
        '--base-dir',
        join(dir, 'base'),
        '--build-config',
        join(dir, 'build-config.yml'),
        join(dir, 'spec'),
        join(dir, 'release.json'),
      ],
      { cwd: dir },
    );
    assert.equal(res.code, 1);
    const logFile = join(dir, 'base', 'logs', 'alpha', 'build.log');
    const errorText = res.stderr.slice(res.stderr.indexOf('\nerror:'));
    assert.match(errorText, /error: .*service "alpha"/);
    assert.ok(errorText.includes(logFile), `error names the log file:\n${errorText}`);
    assert.match(errorText, /about to fail/, 'error shows the last log lines');
    assert.doesNotMatch(res.stderr, /^\s+at /m, 'no stack trace');
    assert.match(readFileSync(logFile, 'utf8'), /about to fail/);
    assert.deepEqual(readFileSync(join(dir, 'release.json')), releaseBefore);
    assert.equal(statSync(join(dir, 'release.json')).mtimeMs, mtimeBefore);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('release.json') && f !== 'release.json'),
      [],
      'no temporary release left behind',
    );
  });
});
