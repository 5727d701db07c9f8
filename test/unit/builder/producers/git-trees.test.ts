import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../../../../src/core/user-error.js';
import { GitTrees } from '../../../../src/builder/producers/git-trees.js';
import type { CommitSha } from '../../../../src/inputs/types.js';
import { DamagedCloneError } from '../../../../src/builder/sources/read-file-at-commit.js';
import { GitRepo } from '../../../helpers/git-repo.js';
import { tempDir } from '../../../helpers/temp-dir.js';

describe('GitTrees', () => {
  it('calls a clone damaged when git refuses to read the commit, not when git cannot start', async () => {
    const repo = GitRepo.create(join(await tempDir('tci-git-trees-'), 'repo'));
    repo.commit({ 'a.txt': 'a\n' });
    const missing = { clonePath: repo.path, commit: 'f'.repeat(40) as CommitSha };
    await assert.rejects(new GitTrees().of(missing), DamagedCloneError);

    const path = process.env['PATH'];
    process.env['PATH'] = await tempDir('tci-no-git-');
    try {
      await assert.rejects(
        new GitTrees().of({ clonePath: repo.path, commit: repo.head() as CommitSha }),
        (e: unknown) => {
          assert.ok(
            !(e instanceof DamagedCloneError),
            `a clone git never opened was called damaged: ${String(e)}`,
          );
          // Said as the user's problem, naming the clone and what failed, not as an internal error.
          assert.ok(e instanceof UserError);
          assert.equal(e.problems[0]?.file, repo.path);
          assert.match(
            e.message,
            /cannot run git to read the cached clone: no such file or directory \(git\)/,
          );
          return true;
        },
      );
    } finally {
      process.env['PATH'] = path;
    }
    assert.equal(
      (await new GitTrees().of({ clonePath: repo.path, commit: repo.head() as CommitSha })).get('a.txt')
        ?.type,
      'blob',
    );
  });
});
