import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { makeDirectory } from '../core/make-directory.js';

/**
 * Runs a CommonJS bundle with a V8 code cache, so that a start does not parse and compile the
 * bundle's code again. Node 20 has no compile cache of its own (`module.enableCompileCache`
 * came with Node 22) and none at all for ES modules, which is why the CLI is bundled as
 * CommonJS (scripts/bundle-cli.mjs). A startup snapshot (`--snapshot-blob`) would need a flag
 * on the `node` command line, which an npm bin cannot give.
 *
 * One cache per command word (`build`, `deploy`, …), since each compiles other functions: it is
 * written when the command first succeeds and holds every function that run compiled. V8
 * checks its own version and flags, but identifies the source only by its length, so the file
 * name carries the bundle's size and modification time and the Node version: a rebuilt or
 * upgraded bundle never meets a stale cache. The cache lives in the user's own cache folder,
 * never in a shared one such as /tmp, where another user could plant code. Anything going
 * wrong with the cache (no home, a read-only disk, a damaged file) costs only the compile.
 */
export interface CodeCacheOptions {
  /** The CommonJS file to run. */
  bundle: string;
  /** Folder of the cache files; undefined runs without a cache. */
  cacheDir: string | undefined;
  /** Names this run's cache: the command word. */
  command: string;
}

export function runWithCodeCache(opts: CodeCacheOptions): void {
  const source = readFileSync(opts.bundle, 'utf8');
  const cache =
    opts.cacheDir !== undefined ? cacheFileOf(opts.bundle, opts.command, opts.cacheDir) : undefined;
  // V8 drops the bytecode of functions idle over several collections (a cold build's start,
  // during its install), so a cache written at the end of a long run would leave them out. Set
  // on every run: V8 accepts a cache only under the flags that wrote it.
  setFlagsFromString('--no-flush-bytecode');
  let cachedData: Buffer | undefined;
  try {
    if (cache !== undefined) cachedData = readFileSync(cache.file);
  } catch {
    // no cache yet
  }
  const script = new Script(Module.wrap(source), {
    filename: opts.bundle,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  if (cache !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit the functions this run needed are compiled: the cache holds them all.
    process.once('exit', (code) => {
      if (code === 0) writeCache(cache.file, cache.prefix, script.createCachedData());
    });
  }
  const module = new Module(opts.bundle);
  module.filename = opts.bundle;
  const run = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: Module,
    filename: string,
    dirname: string,
  ) => void;
  run.call(
    module.exports,
    module.exports,
    createRequire(opts.bundle),
    module,
    opts.bundle,
    dirname(opts.bundle),
  );
}

/**
 * The cache file of this bundle, command, Node and bundle build. `prefix` is shared by the
 * builds of one installation (one path): a rebuilt bundle replaces its cache, while two
 * installations (a global one and an npx one) keep theirs side by side.
 */
function cacheFileOf(bundle: string, word: string, cacheDir: string): { file: string; prefix: string } {
  const { size, mtimeMs } = statSync(bundle);
  const command = /^[a-z][a-z-]{0,30}$/.test(word) ? word : 'main';
  const prefix = `${basename(bundle, '.js')}.${command}.${fnv1a(bundle)}.`;
  const build = `${process.version}-${process.arch}-${size}-${Math.round(mtimeMs)}`;
  return { file: join(cacheDir, `${prefix}${build}.bin`), prefix };
}

/** Written beside and renamed into place, so a reader never sees part of a file; older caches of the same command go. */
function writeCache(file: string, prefix: string, data: Buffer): void {
  try {
    const dir = dirname(file);
    makeDirectory(dir, 0o700);
    for (const old of readdirSync(dir)) {
      if (old.startsWith(prefix) && old !== basename(file)) rmSync(join(dir, old), { force: true });
    }
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // The cache only saves time.
  }
}

/** A short hash of a path: FNV-1a, because loading node:crypto would cost more than it saves. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
