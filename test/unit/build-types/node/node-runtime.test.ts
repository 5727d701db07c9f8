import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  describeNodeRuntime,
  hasCommand,
  NODE_RUNTIME_PROBE,
  parseNodeRuntime,
  runtimeMismatch,
  type NodeRuntime,
} from '../../../../src/build-types/node/node-runtime.js';
import { ensureNodeImage } from '../../../helpers/base-images.js';

const glibc = (node: string, modules: string, version: string): NodeRuntime => ({
  node,
  modules,
  libc: { family: 'glibc', version },
});

describe('the Node.js runtime of an image', () => {
  it('is read by running the probe in a container of the image', () => {
    const out = execFileSync('docker', ['run', '--rm', ensureNodeImage(), ...NODE_RUNTIME_PROBE], {
      encoding: 'utf8',
    });
    const runtime = parseNodeRuntime(`some entrypoint chatter\n${out}`);
    assert.equal(runtime.node, process.versions.node);
    assert.equal(runtime.modules, process.versions.modules);
    const hostGlibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header
      .glibcVersionRuntime;
    assert.deepEqual(runtime.libc, { family: 'glibc', version: hostGlibc });
    assert.equal(describeNodeRuntime(runtime), `${process.versions.node} glibc ${hostGlibc}`);
    // Its PATH: node and npm, and busybox's applets (symbolic links to it), but no yarn.
    for (const command of ['node', 'npm', 'sh', 'env'])
      assert.ok(runtime.commands?.includes(command), command);
    assert.deepEqual(
      ['npm', 'yarn', 'pnpm', 'corepack', 'tar'].map((c) => hasCommand(runtime, c)),
      [true, false, false, false, true],
    );
    assert.deepEqual(runtime.cacheSettings, [], 'the image names no package cache of its own');
    const withCache = execFileSync(
      'docker',
      ['run', '--rm', '-e', 'npm_config_cache=/tmp/npm-cache', ensureNodeImage(), ...NODE_RUNTIME_PROBE],
      { encoding: 'utf8' },
    );
    assert.deepEqual(parseNodeRuntime(withCache).cacheSettings, ['npm_config_cache']);
    assert.deepEqual(parseNodeRuntime('{"node":"20.1.0","modules":"115","glibc":null}').libc, {
      family: 'musl',
    });
  });

  it('refuses a build image whose native modules would not load in the run image', () => {
    const run = glibc('20.20.2', '115', '2.36');
    assert.equal(runtimeMismatch(glibc('20.11.0', '115', '2.31'), run), undefined, 'same ABI, older glibc');
    assert.match(
      runtimeMismatch(glibc('22.1.0', '127', '2.36'), run) ?? '',
      /Node.js 22.1.0 \(ABI 127\) and the run image 20.20.2 \(ABI 115\)/,
    );
    assert.match(
      runtimeMismatch({ node: '20.20.2', modules: '115', libc: { family: 'musl' } }, run) ?? '',
      /uses musl and the run image's glibc/,
    );
    assert.match(
      runtimeMismatch(glibc('20.20.2', '115', '2.40'), run) ?? '',
      /glibc 2.40, newer than the run image's 2.36/,
    );
    assert.equal(
      runtimeMismatch(glibc('20.20.2', '115', '2.9'), glibc('20.20.2', '115', '2.10')),
      undefined,
      'versions compare as numbers',
    );
  });
});
