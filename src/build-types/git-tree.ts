import { exec, startProcess } from '../core/exec.js';
import { OnceByKey } from '../core/once-by-key.js';

/** One entry of a committed tree, as `git ls-tree` lists it. */
export interface TreeEntry {
  /** Repository-relative, `/`-separated. */
  path: string;
  /** `040000` tree, `100644` file, `100755` executable, `120000` symlink, `160000` submodule. */
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  /** The object id: equal ids mean equal content, whatever the commit. */
  oid: string;
  /** Bytes of a blob; 0 for trees and submodules. */
  size: number;
}

/** Git ran and could not read the tree: the clone's objects are missing or damaged. */
export class GitReadError extends Error {}

/** A file of the tree with its content, in the order asked for. */
export interface TreeFile {
  entry: TreeEntry;
  content: Buffer;
}

/**
 * The committed tree of one commit, read with two git processes however large it is: one
 * `git ls-tree -r -t -l -z` for every path, mode, object id and size, and one
 * `git cat-file --batch` per batch of contents. Object ids make cheap build-key inputs (a
 * folder's id changes exactly when something under it changes), and contents stream without a
 * work tree or an exported copy on disk.
 */
export class GitTree {
  private readonly byPath: Map<string, TreeEntry>;
  /** Blob texts by object id. */
  private readonly texts = new OnceByKey<string, string>();
  private readonly derivations = new OnceByKey<string, unknown>();

  private constructor(
    readonly clonePath: string,
    readonly commit: string,
    /** The object id of the commit's root tree. */
    readonly rootOid: string,
    readonly entries: readonly TreeEntry[],
  ) {
    this.byPath = new Map(entries.map((e) => [e.path, e]));
  }

  static async read(clonePath: string, commit: string): Promise<GitTree> {
    const [r, root] = await Promise.all([
      exec('git', ['-C', clonePath, 'ls-tree', '-r', '-t', '-l', '-z', '--full-tree', commit]),
      exec('git', ['-C', clonePath, 'rev-parse', `${commit}^{tree}`]),
    ]);
    if (r.code !== 0 || root.code !== 0)
      throw new GitReadError(
        `git ls-tree ${commit} in ${clonePath} failed: ${(r.stderr || root.stderr).trim()}`,
      );
    const entries: TreeEntry[] = [];
    for (const record of r.stdout.split('\0')) {
      if (record === '') continue;
      const tab = record.indexOf('\t');
      const [mode, type, oid, size] = record.slice(0, tab).split(/ +/) as [
        string,
        TreeEntry['type'],
        string,
        string,
      ];
      entries.push({ path: record.slice(tab + 1), mode, type, oid, size: size === '-' ? 0 : Number(size) });
    }
    return new GitTree(clonePath, commit, root.stdout.trim(), entries);
  }

  /** The entry at `path`; '' is the root tree. */
  get(path: string): TreeEntry | undefined {
    if (path === '') return { path: '', mode: '040000', type: 'tree', oid: this.rootOid, size: 0 };
    return this.byPath.get(path);
  }

  /** Entries under folder `dir` ('' for all), paths still repository-relative. */
  under(dir: string): TreeEntry[] {
    if (dir === '') return [...this.entries];
    const prefix = `${dir}/`;
    return this.entries.filter((e) => e.path.startsWith(prefix));
  }

  /** The text of a file, or undefined when the tree has no file there (see readTexts). */
  async readText(path: string): Promise<string | undefined> {
    return (await this.readTexts([path])).get(path);
  }

  /**
   * The texts of those of `paths` that are files of the tree, each blob read once per tree
   * (the services of a monorepo read the same manifests): the ones not read before come from
   * one `git cat-file --batch` together.
   */
  async readTexts(paths: readonly string[]): Promise<Map<string, string>> {
    const blobs = paths.map((p) => this.get(p)).filter((e): e is TreeEntry => e?.type === 'blob');
    const unread = [...new Map(blobs.filter((e) => !this.texts.has(e.oid)).map((e) => [e.oid, e])).values()];
    if (unread.length > 0) {
      const batch = (async () => {
        const out = new Map<string, string>();
        for await (const f of this.contents(unread)) out.set(f.entry.oid, f.content.toString('utf8'));
        return out;
      })();
      // Every one registered before any wait, so a caller meanwhile shares this batch.
      for (const e of unread)
        this.texts.get(e.oid, async () => (await batch).get(e.oid) ?? '').catch(() => undefined);
    }
    const texts = new Map<string, string>();
    for (const e of blobs) texts.set(e.path, await this.texts.get(e.oid, async () => await this.text(e)));
    return texts;
  }

  private async text(entry: TreeEntry): Promise<string> {
    for await (const f of this.contents([entry])) return f.content.toString('utf8');
    return '';
  }

  /**
   * `make()` once per tree for `key` (a parsed lock file, say): a tree is one commit's, so
   * what is computed from its content never changes.
   */
  derived<T>(key: string, make: () => Promise<T>): Promise<T> {
    return this.derivations.get(key, make) as Promise<T>;
  }

  /** Contents of blob entries, in the order given, from one `git cat-file --batch`. */
  async *contents(entries: readonly TreeEntry[]): AsyncGenerator<TreeFile> {
    if (entries.length === 0) return;
    let stderr = '';
    const git = await startProcess('git', ['-C', this.clonePath, 'cat-file', '--batch'], {
      input: entries.map((e) => `${e.oid}\n`).join(''),
      stdout: 'pipe',
      onLine: (line) => (stderr += `${line}\n`),
    });
    const reader = new BatchReader(git.stdout as NodeJS.ReadableStream);
    try {
      for (const entry of entries) {
        const header = await reader.line();
        const [oid, type, size] = header.split(' ');
        if (oid !== entry.oid || type !== 'blob') {
          throw new Error(
            `git cat-file in ${this.clonePath}: ${header || stderr.trim()} (wanted blob ${entry.oid})`,
          );
        }
        const content = await reader.bytes(Number(size));
        await reader.bytes(1);
        yield { entry, content };
      }
    } finally {
      git.stdout?.destroy();
      git.kill();
      await git.result.catch(() => undefined);
    }
  }
}

/** Reads lines and exact byte counts from a stream, as `git cat-file --batch` output needs. */
class BatchReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(stream: NodeJS.ReadableStream) {
    this.chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  async line(): Promise<string> {
    for (;;) {
      const all = this.peek();
      const nl = all.indexOf(10);
      if (nl >= 0) return (await this.bytes(nl + 1)).subarray(0, nl).toString('utf8');
      if (!(await this.more())) throw new Error('git cat-file ended early');
    }
  }

  async bytes(n: number): Promise<Buffer> {
    while (this.length < n) if (!(await this.more())) throw new Error('git cat-file ended early');
    const all = this.peek();
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return out;
  }

  private peek(): Buffer {
    if (this.buffered.length > 1) this.buffered = [Buffer.concat(this.buffered)];
    return this.buffered[0] ?? Buffer.alloc(0);
  }

  private async more(): Promise<boolean> {
    const next = await this.chunks.next();
    if (next.done === true) return false;
    this.buffered.push(next.value);
    this.length += next.value.length;
    return true;
  }
}
