import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-fs.js';

interface IndexFile {
  version: 1;
  /** clone directory name -> commits known to be present in that clone */
  clones: Record<string, string[]>;
}

/**
 * A small record, per cached clone, of the commits known to be in it. It lets a full-SHA ref
 * whose commit is already cached resolve without network and without spawning git: reading
 * one JSON file is far cheaper than one `git cat-file` per repository. It is written only
 * after a successful fetch (atomically), and a clone's entry is dropped before the clone is
 * deleted, so it never claims a commit that is not on disk.
 */
export class CommitIndex {
  private dirty = false;

  private constructor(
    private readonly file: string,
    private readonly data: IndexFile,
  ) {}

  static async load(gitDir: string): Promise<CommitIndex> {
    const file = join(gitDir, 'commits.json');
    let data: IndexFile = { version: 1, clones: {} };
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<IndexFile>;
      if (parsed.version === 1 && typeof parsed.clones === 'object' && parsed.clones !== null) {
        data = { version: 1, clones: parsed.clones };
      }
    } catch {
      // Missing or unreadable: start empty; the clones themselves are checked with git.
    }
    return new CommitIndex(file, data);
  }

  has(clonePath: string, commit: string): boolean {
    return this.data.clones[basename(clonePath)]?.includes(commit) ?? false;
  }

  add(clonePath: string, commits: Iterable<string>): void {
    const key = basename(clonePath);
    const set = new Set(this.data.clones[key] ?? []);
    const before = set.size;
    for (const c of commits) set.add(c);
    if (set.size !== before) {
      this.data.clones[key] = [...set].sort();
      this.dirty = true;
    }
  }

  forget(clonePath: string): void {
    const key = basename(clonePath);
    if (key in this.data.clones) {
      delete this.data.clones[key];
      this.dirty = true;
    }
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await writeFileAtomic(this.file, JSON.stringify(this.data, null, 1) + '\n');
    this.dirty = false;
  }
}
