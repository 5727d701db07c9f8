import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CliProcess } from '../helpers/cli-process.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hostileCases, type FileContent, type HostileCase } from '../fixtures/hostile/cases.js';

/**
 * Every command against a corpus of malformed and hostile inputs (the cases are in
 * test/fixtures/hostile/cases.ts). Each case starts from a valid baseline (test/fixtures/hostile/base:
 * a spec, a release, a deploy config, infra info) in a fresh directory, changes one thing, runs
 * the real CLI there and checks what a user would see: exit 1 or 2, one short message naming
 * the file (and the field where there is one), no stack trace, nothing written anywhere in the
 * directory, and an end within seconds.
 */
const baseline = fileURLToPath(new URL('../fixtures/hostile/base', import.meta.url));
/**
 * A hang guard, not a speed check: a case still running after this has hung. Above the deploy
 * template's 15 s render limit, which a runaway template reaches.
 */
const HANG_GUARD_MS = 40_000;

let root: string;
let repo: GitRepo;

before(async () => {
  root = await tempDir('tci-hostile-');
  repo = GitRepo.create(join(root, 'repo'), { Dockerfile: 'FROM scratch\n' });
});
after(() => {
  // A case that wrongly got as far as building would have tagged images under this prefix.
  const leaked = execFileSync('docker', ['images', '-q', `tci-hostile-${process.pid}/*`], {
    encoding: 'utf8',
  });
  assert.equal(leaked.trim(), '', 'a hostile case built an image');
});

function materialise(dir: string, files: Record<string, FileContent>): void {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    rmSync(path, { recursive: true, force: true });
    mkdirSync(join(path, '..'), { recursive: true });
    if (content === null) continue;
    if (typeof content === 'string' || Buffer.isBuffer(content)) writeFileSync(path, content);
    else if ('symlink' in content) symlinkSync(content.symlink, path);
    else if ('fifo' in content) execFileSync('mkfifo', [path]);
    else mkdirSync(path, { recursive: true });
  }
}

/** Names, types, sizes and content hashes of everything under `dir`: "nothing written" is equality. */
function snapshot(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = join(rel, name);
    const st = lstatSync(join(dir, p));
    if (st.isDirectory()) out.push(`${p}/`, ...snapshot(dir, p));
    else if (st.isFile()) {
      out.push(
        `${p} ${createHash('sha256')
          .update(readFileSync(join(dir, p)))
          .digest('hex')}`,
      );
    } else out.push(`${p} (${st.isSymbolicLink() ? 'symlink' : 'special'})`);
  }
  return out;
}

async function runCase(c: HostileCase): Promise<void> {
  const dir = join(root, c.name.replace(/[^a-z0-9]+/gi, '-'));
  cpSync(baseline, dir, { recursive: true });
  symlinkSync(repo.path, join(dir, 'repo'));
  writeFileSync(join(dir, 'build-config.yml'), `docker:\n  repositoryPrefix: tci-hostile-${process.pid}/\n`);
  mkdirSync(join(dir, 'home'));
  materialise(dir, typeof c.files === 'function' ? c.files() : (c.files ?? {}));
  const before = snapshot(dir);

  const cli = CliProcess.start(c.args, {
    cwd: dir,
    // HOME and the cache dir inside the case dir, so "nothing written" covers them too.
    env: { HOME: join(dir, 'home'), XDG_CACHE_HOME: join(dir, 'home', '.cache'), ...c.env },
  });
  const guard = setTimeout(() => cli.kill('SIGKILL'), HANG_GUARD_MS);
  const o = await cli.done;
  clearTimeout(guard);

  const shown = `exit ${o.code} ${o.signal ?? ''}\nstderr:\n${o.stderr.slice(0, 2000)}\nstdout:\n${o.stdout.slice(0, 500)}`;
  assert.notEqual(o.signal, 'SIGKILL', `still running after ${HANG_GUARD_MS} ms\n${shown}`);
  assert.equal(o.code, c.code, shown);
  assert.match(o.stderr, c.stderr, shown);
  assert.doesNotMatch(o.stderr, /^\s+at |internal error|FATAL ERROR|node:internal/m, shown);
  // One short paragraph, whatever the size of the input it complains about.
  assert.ok(o.stderr.length < 4000, `stderr is ${o.stderr.length} characters`);
  assert.deepEqual(snapshot(dir), before, 'the command changed files');
  rmSync(dir, { recursive: true, force: true });
}

describe('hostile and malformed input, every command', { concurrency: 2 }, () => {
  test('the corpus has at least 60 cases', () => {
    assert.ok(hostileCases.length >= 60, `${hostileCases.length} cases`);
  });
  test('the baseline itself is accepted by validate', async () => {
    const dir = join(root, 'baseline');
    cpSync(baseline, dir, { recursive: true });
    symlinkSync(repo.path, join(dir, 'repo'));
    const o = await CliProcess.start(
      ['validate', '--deploy-config', 'deploy-config.yml', '--infra-info', 'infra.json', 'spec'],
      { cwd: dir },
    ).done;
    assert.equal(o.code, 0, o.stderr);
  });
  for (const c of hostileCases) {
    test(c.name, c.todo !== undefined ? { todo: c.todo } : {}, () => runCase(c));
  }
});
