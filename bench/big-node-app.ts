import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, lstatSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePackageSet, rootPackages } from '../test/helpers/generated-packages.js';
import { GitRepo } from '../test/helpers/git-repo.js';
import type { NpmRegistry } from '../test/helpers/npm-registry.js';

export interface BigNodeApp {
  repo: GitRepo;
  /** Packages in the lock file, and files and bytes of the installed production `node_modules`. */
  packages: number;
  files: number;
  bytes: number;
  /**
   * A base image for both the tool and the Dockerfile: `from` plus npm's cache of every
   * tarball of the lock file at /tmp/npm-cache (npm's cache there: `npm_config_cache`) and
   * `npm_config_prefer_offline=true`, so `npm ci` installs without reaching the registry
   * (containers on Docker's bridge cannot reach a loopback one): a registry next door, for both
   * alike.
   */
  baseImage: string;
  /** Changes one line of the app and commits; returns the new commit. */
  changeOneLine(round: number): string;
  /**
   * A new lock file (the app's version, which npm also writes into `node_modules`, set to
   * `1.0.<round>`), committed: dependencies to install again, into a layer with new bytes.
   */
  newLockFile(round: number): string;
  remove(): void;
}

/**
 * Issue 18's benchmark app, made offline: generated packages published to a real npm registry
 * on loopback (verdaccio), an app depending on them with a lock file npm wrote against that
 * registry, in a git repository. About the size of a real microservice (the issue's currency
 * service: 300 packages, 18,000 files, 100 MB installed).
 */
export async function makeBigNodeApp(
  dir: string,
  registry: NpmRegistry,
  from: string,
  opts: { count?: number; filesPerPackage?: number } = {},
): Promise<BigNodeApp> {
  const set = generatePackageSet({
    count: opts.count ?? 320,
    filesPerPackage: opts.filesPerPackage ?? 64,
    medianFileBytes: 1100,
  });
  const dev = generatePackageSet({ count: 3, filesPerPackage: 10, prefix: 'gen-dev-', seed: 2 });
  await registry.publish([...set, ...dev]);
  const appDir = join(dir, 'app');
  mkdirSync(join(appDir, 'src'), { recursive: true });
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify(
      {
        name: 'big-app',
        version: '1.0.0',
        scripts: { start: 'node server.js' },
        dependencies: Object.fromEntries(rootPackages(set).map((n) => [n, '^1.0.0'])),
        devDependencies: Object.fromEntries(dev.map((p) => [p.name, '^1.0.0'])),
      },
      null,
      2,
    ),
  );
  writeFileSync(join(appDir, '.npmrc'), `registry=${registry.url}\n`);
  execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], {
    cwd: appDir,
    stdio: 'ignore',
  });
  const sources: Record<string, string> = { 'server.js': serverJs(0, rootPackages(set)) };
  for (let i = 0; i < 40; i++) sources[`src/module-${i}.js`] = `module.exports = ${i};\n`.repeat(20);
  const repo = GitRepo.create(appDir);
  repo.commit(sources, 'big app', '2024-01-01T00:00:00Z');

  const cache = join(dir, 'npm-cache');
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--cache', cache], {
    cwd: appDir,
    stdio: 'ignore',
  });
  const { files, bytes } = countFiles(join(appDir, 'node_modules'));
  const packages =
    Object.keys(
      (
        JSON.parse(execFileSync('cat', [join(appDir, 'package-lock.json')], { encoding: 'utf8' })) as {
          packages: Record<string, unknown>;
        }
      ).packages,
    ).length - 1;
  rmSync(join(appDir, 'node_modules'), { recursive: true, force: true });
  const baseImage = `tci-bench-node-cache:${process.pid}`;
  const ctx = mkdtempSync(join(tmpdir(), 'tci-bench-cache-image-'));
  try {
    execFileSync('cp', ['-a', cache, join(ctx, 'npm-cache')]);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM ${from}\nCOPY npm-cache /tmp/npm-cache\nENV npm_config_update_notifier=false npm_config_prefer_offline=true npm_config_cache=/tmp/npm-cache\n`,
    );
    execFileSync('docker', ['build', '-q', '-t', baseImage, ctx], {
      stdio: 'ignore',
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return {
    repo,
    packages,
    files,
    bytes,
    baseImage,
    changeOneLine: (round) =>
      repo.commit(
        { 'server.js': serverJs(round, rootPackages(set)) },
        `change ${round}`,
        '2024-01-02T00:00:00Z',
      ),
    newLockFile: (round) => {
      const files: Record<string, string> = {};
      for (const name of ['package.json', 'package-lock.json']) {
        const doc = JSON.parse(readFileSync(join(appDir, name), 'utf8')) as {
          version: string;
          packages?: Record<string, { version?: string }>;
        };
        doc.version = `1.0.${round}`;
        if (doc.packages?.[''] !== undefined) doc.packages[''].version = doc.version;
        files[name] = `${JSON.stringify(doc, null, 2)}\n`;
      }
      return repo.commit(files, `lock file ${round}`, '2024-01-02T00:00:00Z');
    },
    remove: () => {
      execFileSync('docker', ['rmi', '-f', baseImage], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function serverJs(round: number, roots: readonly string[]): string {
  return [
    "const http = require('http');",
    ...roots.map((r, i) => `const dep${i} = require(${JSON.stringify(r)});`),
    `const greeting = 'hello, round ${round}';`,
    'http.createServer((req, res) => res.end(greeting)).listen(process.env.PORT || 3000);',
    '',
  ].join('\n');
}

function countFiles(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) {
      const sub = countFiles(p);
      files += sub.files;
      bytes += sub.bytes;
    } else if (st.isFile()) {
      files++;
      bytes += st.size;
    }
  }
  return { files, bytes };
}
