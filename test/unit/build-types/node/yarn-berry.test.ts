import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findNodeProject } from '../../../../src/build-types/node/find-node-project.js';
import { refuseYarnBerry } from '../../../../src/build-types/node/yarn-berry.js';
import { GitTree } from '../../../../src/build-types/git-tree.js';
import { formatProblem } from '../../../../src/core/problem.js';
import { UserError } from '../../../../src/core/user-error.js';
import { GitRepo } from '../../../helpers/git-repo.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const json = (v: unknown) => JSON.stringify(v);
const YARN1_LOCK = '# yarn lockfile v1\n\n\n';

/** What refuseYarnBerry says of the service "api" in `context` of a repository of `files`. */
async function refusal(files: Record<string, string>, context: string): Promise<string | undefined> {
  const repo = GitRepo.create(join(await tempDir('tci-yarn-berry-'), 'repo'), files);
  const tree = await GitTree.read(repo.path, repo.head());
  const project = await findNodeProject(tree, context, 'api');
  const root = project.root === '' ? 'package.json' : `${project.root}/package.json`;
  try {
    await refuseYarnBerry(tree, project, root, 'api');
    return undefined;
  } catch (e) {
    assert.ok(e instanceof UserError);
    return e.problems.map(formatProblem).join('\n');
  }
}

describe('refuseYarnBerry', () => {
  it("refuses a workspace whose root's lock file is Yarn 2+'s, naming that lock file", async () => {
    const said = await refusal(
      {
        'package.json': json({ private: true, workspaces: ['services/*'] }),
        'yarn.lock': '__metadata:\n  version: 8\n  cacheKey: 10c0\n',
        'services/api/package.json': json({ name: 'api' }),
      },
      'services/api',
    );
    assert.match(said ?? '', /^yarn\.lock: __metadata: service "api": a lock file of Yarn 2 or later/);
  });

  it("refuses a root's pin of Yarn 2+, naming the root's package.json", async () => {
    const said = await refusal(
      {
        'mono/package.json': json({ workspaces: ['api'], packageManager: 'yarn@3.8.7+sha512.0abc' }),
        'mono/yarn.lock': YARN1_LOCK,
        'mono/api/package.json': json({ name: 'api' }),
      },
      'mono/api',
    );
    assert.match(
      said ?? '',
      /^mono\/package\.json: packageManager: service "api": "yarn@3\.8\.7\+sha512\.0abc" is Yarn 2 or later, which corepack would run on mono\/yarn\.lock/,
    );
  });

  it('lets Yarn 1 through, pinned or not', async () => {
    for (const packageManager of [undefined, 'yarn@1.22.22']) {
      const said = await refusal(
        { 'package.json': json({ name: 'api', packageManager }), 'yarn.lock': YARN1_LOCK },
        '',
      );
      assert.equal(said, undefined);
    }
  });
});
