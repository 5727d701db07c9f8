import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Event } from '../../src/core/events.js';
import { buildAppService } from '../helpers/app-build.js';
import { NodeProjectRepo } from '../helpers/node-project-repo.js';
import { ensureNodeToolsImage } from '../helpers/node-tools-image.js';
import { useWorkspaceRegistry } from '../helpers/workspace-registry.js';

const prefix = `tci-test-build-deps-${process.pid}/`;
const fx = useWorkspaceRegistry('tci-node-build-deps-', prefix);
const TOKEN = `token-value-${process.pid}`;

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' });

/** The build script's dependencies line of the build: `installed` or `reused`, and the key. */
function buildDependencies(events: Event[]): { how: string; key: string } {
  for (const e of events) {
    const m =
      e.kind === 'log-line' ? /^build dependencies: image ([0-9a-f]+) (installed|reused)/.exec(e.line) : null;
    if (m !== null) return { key: m[1] ?? '', how: m[2] ?? '' };
  }
  return { how: 'none', key: '' };
}

describe("a build script's dependencies", () => {
  it('are installed once into a kept image: a code change runs the script alone, no value of env kept', async () => {
    const devDependencies: Record<string, string> = { 'dep-0003': '^1.0.0' };
    const root = {
      name: 'app',
      scripts: { build: 'node build.js' },
      dependencies: { 'dep-0002': '^1.0.0' },
      devDependencies,
    };
    const project = new NodeProjectRepo(join(fx.dir, 'app'), 'npm', fx.registry.url, join(fx.dir, 'cache'), {
      root,
      files: {
        // The build needs its dev dependency, as a compiler would be.
        'build.js':
          "const fs = require('fs'); require('dep-0003'); fs.mkdirSync('dist', { recursive: true });\n" +
          "fs.writeFileSync('dist/main.js', 'console.log(' + JSON.stringify(fs.readFileSync('message.txt', 'utf8').trim()) + ')');\n",
        'message.txt': 'first\n',
        Procfile: 'web: node dist/main.js\n',
      },
    });
    const build = async () =>
      await buildAppService({
        dir: join(fx.dir, 'build'),
        name: 'app',
        repo: project.repo,
        service:
          '{buildType: node, node: "20", buildScript: build, env: {BUILD_TOKEN: !env TCI_TEST_KEPT_TOKEN}}',
        prefix,
        images: { 'node:20': ensureNodeToolsImage() },
        env: { ...process.env, TCI_TEST_KEPT_TOKEN: TOKEN },
      });

    const first = await build();
    assert.equal(buildDependencies(first.events).how, 'installed');
    assert.ok(
      !first.events.some((e) => e.kind === 'log-line' && e.line.includes('Unknown env config')),
      'npm is given no setting of another package manager (npm 11 warns: "store-dir")',
    );
    assert.equal(docker('run', '--rm', first.image), 'first\n');
    assert.doesNotMatch(
      docker('run', '--rm', '--entrypoint', 'ls', first.image, '-A', '/app'),
      /taskcluster-installer/,
      "the step's note of the dev dependencies' commands is not in the app",
    );
    const repository = first.image.slice(0, first.image.lastIndexOf(':'));
    const kept = `${repository}:build-deps-${buildDependencies(first.events).key}`;
    const inspected = docker('image', 'inspect', kept) + docker('history', '--no-trunc', kept);
    assert.ok(!inspected.includes(TOKEN), "the env value is not in the kept image's config");
    assert.equal(
      docker(
        'run',
        '--rm',
        '--entrypoint',
        'sh',
        kept,
        '-c',
        'find /tmp/package-cache /root/.npm -mindepth 1 2>/dev/null | wc -l',
      ).trim(),
      '0',
      "npm's cache is not kept",
    );

    project.repo.commit({ 'message.txt': 'second\n' });
    const second = await build();
    assert.deepEqual(buildDependencies(second.events), {
      how: 'reused',
      key: buildDependencies(first.events).key,
    });
    assert.equal(docker('run', '--rm', second.image), 'second\n', 'the script ran on the new code');

    // Two more sets of dev dependencies: the engine keeps the service's two latest images.
    for (const dep of ['dep-0004', 'dep-0005']) {
      devDependencies[dep] = '^1.0.0';
      project.change({ root });
      assert.equal(buildDependencies((await build()).events).how, 'installed');
    }
    const labelled = docker(
      'images',
      '-q',
      '--filter',
      `label=org.taskcluster-installer.kept-for=${repository}`,
    );
    assert.equal(labelled.split('\n').filter(Boolean).length, 2);
  });
});
