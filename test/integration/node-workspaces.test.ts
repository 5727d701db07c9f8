import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { PackageManager } from '../../src/build-types/node/package-manager.js';
import type { Event } from '../../src/core/events.js';
import { buildAppServices } from '../helpers/app-build.js';
import { NodeProjectRepo } from '../helpers/node-project-repo.js';
import { ensureNodeToolsImage } from '../helpers/node-tools-image.js';
import { useWorkspaceRegistry } from '../helpers/workspace-registry.js';
import { twoServiceWorkspaces } from '../helpers/two-service-workspaces.js';

const prefix = `tci-test-ws-${process.pid}/`;
const fx = useWorkspaceRegistry('tci-node-ws-', prefix);

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' });

/** `name@version` of every package in the image's node_modules folders, and its workspace links. */
function installed(image: string): string[] {
  const script = `
const fs = require('fs'), path = require('path');
const out = new Set();
function scan(dir) {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === '.pnpm') {
      for (const k of fs.readdirSync(p))
        if (k !== 'node_modules' && fs.existsSync(path.join(p, k, 'node_modules'))) scan(path.join(p, k, 'node_modules'));
      continue;
    }
    if (name.startsWith('@')) { for (const s of fs.readdirSync(p)) pkg(path.join(p, s)); continue; }
    if (!name.startsWith('.')) pkg(p);
  }
}
function pkg(p) {
  if (fs.lstatSync(p).isSymbolicLink()) { out.add('link:' + path.basename(p)); return; }
  const m = JSON.parse(fs.readFileSync(path.join(p, 'package.json'), 'utf8'));
  out.add(m.name + '@' + m.version);
  if (fs.existsSync(path.join(p, 'node_modules'))) scan(path.join(p, 'node_modules'));
}
for (const d of ['/app/node_modules', 'node_modules']) if (fs.existsSync(d)) scan(d);
console.log([...out].sort().join('\\n'));`;
  return docker('run', '--rm', image, 'node', '-e', script).trim().split('\n');
}

const built = (events: Event[]) =>
  events.flatMap((e) => (e.kind === 'plan-decided' && e.action === 'build' ? [e.service] : [])).sort();

const installs = (events: Event[]) =>
  events.flatMap((e) => (e.kind === 'log-line' && /installed by/.test(e.line) ? [e.service] : [])).sort();

for (const manager of ['npm', 'yarn', 'pnpm'] as const satisfies readonly PackageManager[]) {
  describe(`${manager} workspaces: two services and shared libraries`, () => {
    let project: NodeProjectRepo;
    const build = () =>
      buildAppServices({
        dir: join(fx.dir, manager),
        prefix: `${prefix}${manager}-`,
        // Yarn 1 and pnpm come with the image, as the official images carry Yarn.
        images: { 'node:20': ensureNodeToolsImage() },
        services: ['svc-a', 'svc-b'].map((name) => ({
          name,
          repo: project.repo,
          service: `{buildType: node, node: "20", context: services/${name}}`,
        })),
      });

    before(() => {
      const layout = twoServiceWorkspaces(manager);
      // pnpm 10 runs the install scripts of the packages its settings allow, and only those.
      if (manager === 'pnpm') layout.root['pnpm'] = { onlyBuiltDependencies: ['with-install-script'] };
      project = new NodeProjectRepo(
        join(fx.dir, `${manager}-repo`),
        manager,
        fx.registry.url,
        join(fx.dir, `cache-${manager}`),
        layout,
      );
    });

    it('builds each service with only its own production dependencies, and runs it', async () => {
      const { services, events } = await build();
      assert.deepEqual(built(events), ['svc-a', 'svc-b']);
      const a = String(services.get('svc-a')?.['dockerImage']);
      const b = String(services.get('svc-b')?.['dockerImage']);
      const inA = installed(a);
      const inB = installed(b);
      for (const p of ['dep-0002@1.0.0', 'dep-0001@1.0.0', 'dep-0005@1.0.0', 'with-install-script@1.0.0'])
        assert.ok(inA.includes(p), `svc-a has ${p}: ${inA.join(', ')}`);
      // util, which lib uses, is linked beside lib (pnpm) or hoisted (npm, Yarn): its dependency is there.
      assert.ok(inA.includes('link:lib'), `the library it uses, linked: ${inA.join(', ')}`);
      assert.ok(!inA.some((p) => p.startsWith('dep-0004@')), 'nothing of svc-b');
      assert.ok(inB.includes('dep-0004@1.0.0') && inB.includes('dep-0015@2.0.0'));
      assert.ok(!inB.some((p) => /^dep-000[125]@|^link:lib/.test(p)), `nothing of svc-a: ${inB.join(', ')}`);
      for (const image of [inA, inB]) {
        assert.ok(!image.some((p) => /^dep-000[39]@/.test(p)), 'no dev dependency');
        assert.ok(image.includes('dep-0006@1.0.0'), "the root's production dependency, whatever the manager");
      }
      assert.equal(docker('run', '--rm', a, 'pwd').trim(), '/app/services/svc-a', 'runs in its folder');
      assert.match(docker('run', '--rm', a, 'web'), /built at install/, "web starts and loads lib's chain");
      assert.match(docker('run', '--rm', b, 'web'), /dep-0004/);
      assert.equal(
        docker('run', '--rm', a, 'ls', '/app/services').trim(),
        'svc-a',
        'no other service in the image',
      );
    });

    it('rebuilds only the service whose folder changed, reusing its dependency layer', async () => {
      project.repo.commit({ 'services/svc-b/server.js': "console.log('svc-b', require('dep-0004'));\n" });
      const { events, services } = await build();
      assert.deepEqual(built(events), ['svc-b']);
      assert.deepEqual(installs(events), [], 'no package manager ran');
      assert.match(
        docker('run', '--rm', String(services.get('svc-b')?.['dockerImage']), 'web'),
        /^svc-b \{/m,
      );
    });

    it('rebuilds only the user of a shared library that changed', async () => {
      project.repo.commit({
        'packages/util/index.js': "module.exports = 'util 2: ' + require('dep-0005');\n",
      });
      const { events, services } = await build();
      assert.deepEqual(built(events), ['svc-a']);
      const a = String(services.get('svc-a')?.['dockerImage']);
      assert.match(docker('run', '--rm', a, 'cat', '/app/packages/util/index.js'), /util 2/);
    });
  });
}
