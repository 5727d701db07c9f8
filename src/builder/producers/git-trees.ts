import { GitReadError, GitTree } from '../../build-types/git-tree.js';
import { OnceByKey } from '../../core/once-by-key.js';
import { pathError } from '../../core/system-error-text.js';
import { damagedClone } from '../sources/read-file-at-commit.js';
import type { ResolvedSource } from '../sources/source-request.js';

/**
 * The committed trees of one build, each read once (one `git ls-tree`) however many services of
 * a monorepo, and the planner and the builds, ask for it. A clone git refuses to read is a
 * damaged clone, which the build discards and clones again.
 */
export class GitTrees {
  private readonly trees = new OnceByKey<string, GitTree>();

  of(source: Pick<ResolvedSource, 'clonePath' | 'commit'>): Promise<GitTree> {
    return this.trees.get(`${source.clonePath}\0${source.commit}`, async () => {
      try {
        return await GitTree.read(source.clonePath, source.commit);
      } catch (e) {
        // Only git's own refusal: a git that cannot start (not installed, out of file handles)
        // says nothing about the clone, which must not be thrown away for it.
        if (!(e instanceof GitReadError))
          throw pathError(source.clonePath, 'cannot run git to read the cached clone', e, 'git');
        throw damagedClone(source.clonePath, e.message);
      }
    });
  }
}
