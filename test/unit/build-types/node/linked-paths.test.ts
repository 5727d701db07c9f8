import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { GitTree } from '../../../../src/build-types/git-tree.js';
import { linkedPaths } from '../../../../src/build-types/node/linked-paths.js';
import { GitRepo } from '../../../helpers/git-repo.js';
import { tempDir } from '../../../helpers/temp-dir.js';

/** A repository with `files` and the symbolic links `links` (path -> target), committed. */
async function treeWith(files: Record<string, string>, links: Record<string, string>): Promise<GitTree> {
  const repo = GitRepo.create(join(await tempDir('tci-linked-'), 'repo'), files);
  for (const [path, target] of Object.entries(links)) {
    mkdirSync(dirname(join(repo.path, path)), { recursive: true });
    symlinkSync(target, join(repo.path, path));
  }
  repo.commit({}, 'links');
  return await GitTree.read(repo.path, repo.head());
}

describe('linkedPaths', () => {
  it("follows a service folder's links into the project, transitively, with their manifests, as certeu/morio's API needs", async () => {
    const tree = await treeWith(
      {
        'package.json': '{}',
        'package-lock.json': '{}',
        'api/src/index.mjs': 'import "../shared/utils.mjs"',
        'shared/src/utils.mjs': 'export {}',
        'shared/package.json': '{"imports": {"#config": "./config.mjs"}}',
        'shared/README.md': 'not linked',
        'config/index.mjs': 'export {}',
        'core/bin/run': '#!/bin/sh',
        'core/package.json': '{}',
        'other/x.js': '',
      },
      {
        'api/shared': '../shared/src',
        'api/config': '../config',
        'config/bin': '../core/bin/',
        'api/package-lock.json': '../package-lock.json',
      },
    );
    assert.deepEqual(
      await linkedPaths(tree, ['api'], '', ['package-lock.json']),
      ['config', 'core/bin', 'core/package.json', 'shared/package.json', 'shared/src'],
      'each target with the package.json nearest above it, which Node reads for its files',
    );
    assert.deepEqual(
      await linkedPaths(tree, ['api'], '', ['package-lock.json'], ['api', 'shared', 'core']),
      ['config', 'core', 'shared'],
      'a target in a workspace brings the whole workspace',
    );
  });

  it('leaves out links that stay inside, leave the project or the repository, are absolute, dangle, or are installed', async () => {
    const tree = await treeWith(
      {
        'services/api/package.json': '{}',
        'services/api/lib/a.js': '',
        'services/lib/b.js': '',
        'top.js': '',
      },
      {
        'services/api/inside': './lib',
        'services/api/outside-project': '../../top.js',
        'services/api/outside-repository': '../../../elsewhere',
        'services/api/absolute': '/etc/passwd',
        'services/api/dangling': '../nothing-here',
        'services/api/node_modules/.bin/tool': '../../../lib/b.js',
      },
    );
    assert.deepEqual(await linkedPaths(tree, ['services/api'], 'services', []), []);
    assert.deepEqual(await linkedPaths(tree, ['services/api'], '', []), ['top.js']);
  });
});
