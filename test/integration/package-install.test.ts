import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { GitRepo } from '../helpers/git-repo.js';
import { repoRoot } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The package as users install it: `npm pack`, `npm install -g <tarball>` into a clean prefix,
 * then the installed `taskcluster-installer` validates, builds and deploys the bundled example
 * and a spec made by `init`, against the real Docker Engine. Dependencies come from the npm
 * cache when it has them (--prefer-offline), else from the registry.
 */
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;
const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const madeImages: string[] = [];

let work: string;
let tarball: string;
let cli: string;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, DEBUG: '', DOCKER_BUILDKIT: '0', ...env },
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An image the test needs under `ref`, made offline unless it is there; removed after if made here. */
function ensureImage(ref: string): void {
  if (spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0) return;
  execFileSync('docker', ['tag', ensureBusyboxImage(), ref]);
  madeImages.push(ref);
}

/** Every file under `dir`, by path relative to it, for a GitRepo commit. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/**
 * `build` of `spec` into `cwd`/release.json with the installed CLI; the release's images, in
 * the order of its repositories (undefined for those not built), removed after the tests.
 */
function buildRelease(cwd: string, spec: string): Array<string | undefined> {
  const args = ['build', '--base-dir', join(work, 'base'), '--log-format', 'plain', spec, 'release.json'];
  const build = run(cli, args, cwd);
  assert.equal(build.code, 0, build.stderr);
  const release = JSON.parse(readFileSync(join(cwd, 'release.json'), 'utf8')) as {
    build: { repositories: Array<{ service?: { dockerImage?: string } }> };
    release: { tool: { version: string } };
  };
  assert.equal(release.release.tool.version, version);
  const images = release.build.repositories.map((r) => r.service?.dockerImage);
  madeImages.push(...images.filter((i): i is string => i !== undefined));
  return images;
}

before(() => {
  const bundle = join(repoRoot, 'dist/bundle/main.js');
  assert.ok(existsSync(bundle), `${bundle} is missing: run \`npm run build\` first`);
});

after(() => {
  if (madeImages.length > 0) spawnSync('docker', ['rmi', ...madeImages], { stdio: 'ignore' });
});

describe('the npm package, installed from its tarball', () => {
  before(async () => {
    work = await tempDir('tci-package-');
    // The compiled files are already there (npm test builds first); packing must not rebuild
    // them (prepare), or CLI tests running meanwhile would find dist/bundle half written.
    const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repoRoot);
    assert.equal(pack.code, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.ok(info !== undefined);
    tarball = join(work, info.filename);
    const paths = info.files.map((f) => f.path);
    // What runs is in the package; sources, tests and benchmarks are not.
    for (const p of [
      'bin/taskcluster-installer.js',
      'dist/bundle/main.js',
      'dist/bundle/render-worker.js',
      'schemas/build.schema.json',
    ])
      assert.ok(paths.includes(p), `${p} is in the package`);
    assert.deepEqual(
      paths.filter((p) => /^(src|test|bench|scripts|examples)\//.test(p)),
      [],
      'no sources, tests or benchmarks in the package',
    );
    const install = run(
      'npm',
      ['install', '--global', '--prefix', join(work, 'prefix'), ...npmFlags, tarball],
      work,
    );
    assert.equal(install.code, 0, install.stderr);
    cli = join(work, 'prefix/bin/taskcluster-installer');
  });

  it('--version and --help work from the installed bin', () => {
    const v = run(cli, ['--version'], work);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout, `${version}\n`);
    const help = run(cli, ['--help'], work);
    assert.match(help.stdout, /^Usage: taskcluster-installer \[options\] \[command\]/);
    for (const command of ['build', 'deploy', 'validate', 'init', 'completion'])
      assert.match(help.stdout, new RegExp(`\\n {2}${command} `));
  });

  it('validates, builds and deploys the bundled example', async () => {
    const ex = join(work, 'example');
    cpSync(join(repoRoot, 'examples'), ex, { recursive: true, filter: (p) => !p.includes('/.work') });
    // What examples/run.sh sets up: a git repository per service folder, greeter tagged.
    for (const name of ['hello-web', 'greeter', 'ops-notes'])
      GitRepo.create(join(ex, '.work/repos', name), filesOf(join(ex, 'services', name)));
    new GitRepo(join(ex, '.work/repos/greeter')).tag('v1.0.0', { annotated: true });
    ensureImage('example/busybox:1');

    const inputs = ['--deploy-config', 'deploy-config.yml', '--infra-info', 'infra.json'];
    const validate = run(cli, ['validate', ...inputs, 'spec'], ex);
    assert.equal(validate.code, 0, validate.stderr);
    assert.equal(validate.stdout, 'spec: 3 repositories (2 services), ok\n');

    const images = buildRelease(ex, 'spec');
    assert.match(images[0] ?? '', /^hello-web:SVC-[0-9a-f]+$/);
    assert.match(images[1] ?? '', /^greeter:SVC-[0-9a-f]+$/);

    const deploy = run(cli, ['deploy', ...inputs, 'release.json', 'out'], ex);
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.deepEqual(readdirSync(join(ex, 'out')).sort(), [
      'Deployment-hello-web-deployment.json',
      'Ingress-hello-web-ingress.json',
      'Job-greeter-job.json',
      'Service-hello-web-service.json',
    ]);
    const deployment = JSON.parse(
      readFileSync(join(ex, 'out/Deployment-hello-web-deployment.json'), 'utf8'),
    ) as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    assert.equal(deployment.spec.template.spec.containers[0]?.image, images[0]);
  });

  it('init writes a spec that builds and deploys to a Deployment, a Service and an Ingress', async () => {
    const init = run(cli, ['init', 'cluster'], work);
    assert.equal(init.code, 0, init.stderr);
    ensureImage('busybox:1.36');
    const dir = join(work, 'cluster');
    const [image = ''] = buildRelease(dir, '.');
    assert.match(image, /^hello:SVC-[0-9a-f]+$/);
    // The image serves the starter page.
    const page = run(
      'docker',
      ['run', '--rm', '--network', 'none', '--entrypoint', 'cat', image, '/www/index.html'],
      dir,
    );
    assert.match(page.stdout, /Hello from a cluster built by taskcluster-installer/);

    const deploy = run(cli, ['deploy', 'release.json', 'out'], dir);
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.deepEqual(readdirSync(join(dir, 'out')).sort(), [
      'Deployment-hello.json',
      'Ingress-hello.json',
      'Service-hello.json',
    ]);
  });

  it('npx runs the tarball too', () => {
    const npxCache = join(homedir(), '.npm/_npx');
    const before = new Set(existsSync(npxCache) ? readdirSync(npxCache) : []);
    try {
      const r = run(
        'npx',
        ['--yes', ...npmFlags, '--package', tarball, 'taskcluster-installer', '--version'],
        work,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
    } finally {
      // npx keeps an install per package spec: remove the one for this run's tarball.
      for (const entry of existsSync(npxCache) ? readdirSync(npxCache) : []) {
        const manifest = join(npxCache, entry, 'package.json');
        if (!before.has(entry) && existsSync(manifest) && readFileSync(manifest, 'utf8').includes(tarball))
          rmSync(join(npxCache, entry), { recursive: true, force: true });
      }
    }
  });
});
