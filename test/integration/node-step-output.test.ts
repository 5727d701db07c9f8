import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildAppService } from '../helpers/app-build.js';
import { NodeProjectRepo } from '../helpers/node-project-repo.js';
import { ensureNodeToolsImage } from '../helpers/node-tools-image.js';
import { useWorkspaceRegistry } from '../helpers/workspace-registry.js';

const prefix = `tci-test-step-output-${process.pid}/`;
const fx = useWorkspaceRegistry('tci-node-step-output-', prefix);

describe("a node service's install and build steps", () => {
  it("print no package manager's advice to update itself, which is the image's to change", async () => {
    // A registry with a newer pnpm and npm than the image's: each would print its notice.
    await fx.registry.publish(
      ['pnpm', 'npm'].map((name) => ({
        name,
        version: '99.0.0',
        dependencies: {},
        files: { 'index.js': 'module.exports = {};\n' },
      })),
    );
    const lines: string[] = [];
    for (const manager of ['pnpm', 'npm'] as const) {
      const name = `notifier-${manager}`;
      const project = new NodeProjectRepo(
        join(fx.dir, name),
        manager,
        fx.registry.url,
        join(fx.dir, `cache-${manager}`),
        {
          root: {
            name,
            scripts: { build: 'node -e 0', start: 'node server.js' },
            dependencies: { 'dep-0002': '^1.0.0' },
          },
          files: { 'server.js': "require('dep-0002');\n" },
        },
      );
      const { events } = await buildAppService({
        dir: join(fx.dir, `build-${name}`),
        name,
        repo: project.repo,
        service: '{buildType: node, node: "20", buildScript: build}',
        prefix,
        images: { 'node:20': ensureNodeToolsImage() },
      });
      for (const e of events) if (e.kind === 'log-line') lines.push(e.line);
    }
    assert.ok(
      lines.some((l) => /Done in|added \d+ package/.test(l)),
      'the managers ran',
    );
    assert.deepEqual(
      lines.filter((l) => /Update available|New major version of npm|npm install -g npm@/.test(l)),
      [],
    );
  });
});
