import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gitEntries } from '../../../src/build-types/git-tree-entries.js';
import { GitTree } from '../../../src/build-types/git-tree.js';
import { writeLayer } from '../../../src/builder/oci/layer-writer.js';
import { OciLayout } from '../../../src/builder/oci/oci-layout.js';
import type { LayerSource } from '../../../src/inputs/oci-types.js';
import { GitRepo } from '../../helpers/git-repo.js';
import { tempDir } from '../../helpers/temp-dir.js';

const EPOCH = 1_600_000_000;

async function digest(sources: LayerSource[]): Promise<string> {
  const layout = new OciLayout(await tempDir('tci-git-entries-layout-'));
  return (await writeLayer(layout, sources, EPOCH)).descriptor.digest;
}

describe('gitEntries', () => {
  it('gives the layer of the same files exported with git archive, for the folders and files asked', async () => {
    const repo = GitRepo.create(join(await tempDir('tci-git-entries-'), 'repo'));
    repo.commit({
      'package.json': '{"name":"root"}\n',
      'services/api/server.js': 'console.log(1)\n',
      'services/api/bin/run.sh': '#!/bin/sh\n',
      'services/api/node_modules/committed.js': 'not in the image\n',
      'services/web/server.js': 'console.log(2)\n',
      'packages/lib/index.js': 'module.exports = 1;\n',
    });
    chmodSync(join(repo.path, 'services/api/bin/run.sh'), 0o755);
    symlinkSync('server.js', join(repo.path, 'services/api/link.js'));
    repo.commit({}, 'a mode and a link');
    const tree = await GitTree.read(repo.path, repo.head());
    const paths = ['package.json', 'services/api', 'packages/lib'];
    const skip = (p: string) => /(^|\/)node_modules(\/|$)/.test(p);
    const fromGit = await digest([
      { kind: 'entries', entries: gitEntries(tree, paths, (p) => `app/${p}`, skip) },
    ]);
    const exported = join(await tempDir('tci-git-entries-export-'), 'app');
    mkdirSync(exported);
    const tar = execFileSync('git', ['-C', repo.path, 'archive', repo.head(), ...paths]);
    execFileSync('tar', ['-x', '-C', exported], { input: tar });
    rmSync(join(exported, 'services/api/node_modules'), { recursive: true });
    assert.equal(fromGit, await digest([{ kind: 'dir', at: 'app', dir: exported }]));
  });
});
