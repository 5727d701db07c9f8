import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportTree } from '../../src/builder/sources/export-tree.js';
import { readFileAtCommit } from '../../src/builder/sources/read-file-at-commit.js';
import { resolveSources } from '../../src/builder/sources/resolve-sources.js';
import type { SourceRequest } from '../../src/builder/sources/source-request.js';
import type { Event } from '../../src/core/events.js';
import { UserError } from '../../src/core/user-error.js';
import type { GitSource } from '../../src/inputs/types.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp-dir.js';

function request(id: string, repo: GitRepo, ref?: string, index = 0): SourceRequest {
  const source: GitSource = { url: repo.url(), ...(ref !== undefined ? { ref } : {}) };
  return { id, source, where: { file: 'build.yml', path: `repositories[${index}].source` } };
}

async function resolve(baseDir: string, requests: SourceRequest[], events: Event[] = []) {
  return await resolveSources(requests, { baseDir, emit: (e) => events.push(e), gitConcurrency: 4 });
}

/** Puts a `git` on PATH that counts its runs, then runs the real git. */
async function countingGit(dir: string): Promise<{ count: () => Promise<number>; restore: () => void }> {
  const bin = join(dir, 'counting-bin');
  const log = join(dir, 'git-calls');
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  await mkdir(bin, { recursive: true });
  await writeFile(log, '');
  await writeFile(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
  await chmod(join(bin, 'git'), 0o755);
  const oldPath = process.env['PATH'];
  process.env['PATH'] = `${bin}:${oldPath ?? ''}`;
  return {
    count: async () => (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '').length,
    restore: () => {
      process.env['PATH'] = oldPath;
    },
  };
}

test('branches, lightweight and annotated tags, full SHAs and the default branch resolve to commits', async () => {
  const dir = await tempDir();
  const repo = GitRepo.create(join(dir, 'app'), { 'README.md': 'one\n' });
  const first = repo.head();
  const annotated = repo.tag('v1.0.0', { annotated: true });
  repo.branch('release');
  const second = repo.commit({ 'README.md': 'two\n' });
  const light = repo.tag('light');
  const tagObject = repo.git('rev-parse', 'v1.0.0');
  assert.notEqual(tagObject, annotated, 'the test needs a real tag object');

  const events: Event[] = [];
  const got = await resolve(
    join(dir, 'base'),
    [
      request('main', repo, 'main', 0),
      request('release', repo, 'release', 1),
      request('annotated', repo, 'v1.0.0', 2),
      request('light', repo, 'light', 3),
      request('sha', repo, first, 4),
      request('default', repo, undefined, 5),
    ],
    events,
  );
  const commits = Object.fromEntries([...got].map(([id, r]) => [id, r.commit]));
  assert.deepEqual(commits, {
    main: second,
    release: first,
    annotated: first,
    light,
    sha: first,
    default: second,
  });
  assert.equal(got.get('annotated')?.exactSource, `${repo.url()}#${first}`);
  assert.equal(new Set([...got.values()].map((r) => r.clonePath)).size, 1, 'one clone per URL');
  assert.deepEqual(
    events.filter((e) => e.kind === 'source-resolved').map((e) => e.repository),
    ['main', 'release', 'annotated', 'light', 'sha', 'default'],
  );
});

test('a cached full SHA resolves with no network and no git process at all', async () => {
  const dir = await tempDir();
  const repos = [0, 1, 2].map((i) => GitRepo.create(join(dir, `svc${i}`), { 'index.js': `// ${i}\n` }));
  const reqs = repos.map((r, i) => request(`svc${i}`, r, r.head(), i));
  const base = join(dir, 'base');
  await resolve(base, reqs);

  const git = await countingGit(dir);
  try {
    const events: Event[] = [];
    const again = await resolve(base, reqs, events);
    assert.equal(await git.count(), 0, 'no git process was spawned');
    assert.deepEqual(
      events.map((e) => e.kind === 'source-resolved' && e.network),
      [false, false, false],
    );
    assert.equal(again.get('svc1')?.commit, repos[1]?.head());

    // A branch ref costs exactly one ls-remote for its URL, and no fetch when nothing moved.
    await resolve(base, [request('svc0', repos[0] as GitRepo, 'main'), request('x', repos[0] as GitRepo)]);
    assert.equal(await git.count(), 1);
  } finally {
    git.restore();
  }
});

test('a new commit on a branch and a force-push are seen by the next build', async () => {
  const dir = await tempDir();
  const base = join(dir, 'base');
  const repo = GitRepo.create(join(dir, 'app'), { 'a.txt': '1' });
  const c1 = repo.head();
  assert.equal((await resolve(base, [request('app', repo, 'main')])).get('app')?.commit, c1);

  const c2 = repo.commit({ 'a.txt': '2' });
  const r2 = (await resolve(base, [request('app', repo, 'main')])).get('app');
  assert.equal(r2?.commit, c2);
  assert.equal(await readFileAtCommit(r2?.clonePath ?? '', c2, 'a.txt'), '2');

  // Force-push: main goes back to c1 and gets a different commit on top.
  repo.git('reset', '-q', '--hard', c1);
  const c3 = repo.commit({ 'a.txt': '3' }, 'rewritten');
  assert.equal((await resolve(base, [request('app', repo, 'main')])).get('app')?.commit, c3);
});

test('a deleted ref, an unknown commit and a missing repository are errors naming the entry', async () => {
  const dir = await tempDir();
  const base = join(dir, 'base');
  const repo = GitRepo.create(join(dir, 'app'), { 'a.txt': '1' });
  repo.branch('feature');
  await resolve(base, [request('app', repo, 'feature')]);
  repo.git('branch', '-D', 'feature');

  const missing: SourceRequest = {
    id: 'gone',
    source: { url: `file://${dir}/no-such-repo` },
    where: { file: 'build.yml', path: 'repositories[2].source' },
  };
  await assert.rejects(
    resolve(base, [request('app', repo, 'feature', 0), request('sha', repo, 'f'.repeat(40), 1), missing]),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.deepEqual(
        e.problems.map((p) => p.file),
        ['build.yml', 'build.yml', 'build.yml'],
      );
      const byPath = Object.fromEntries(e.problems.map((p) => [p.path, p.message]));
      assert.equal(byPath['repositories[0].source'], `ref "feature" not found in ${repo.url()}`);
      assert.equal(byPath['repositories[1].source'], `commit ${'f'.repeat(40)} not found in ${repo.url()}`);
      assert.equal(
        byPath['repositories[2].source'],
        `repository file://${dir}/no-such-repo not found (git: '${dir}/no-such-repo' does not appear to be a git repository)`,
      );
      return true;
    },
  );
});

test('a corrupt cached clone is deleted and cloned again', async () => {
  const dir = await tempDir();
  const base = join(dir, 'base');
  const repo = GitRepo.create(join(dir, 'app'), { 'a.txt': '1' });
  const clonePath = (await resolve(base, [request('app', repo, 'main')])).get('app')?.clonePath ?? '';
  // Damage every pack and loose object the clone has.
  for (const sub of await readdir(join(clonePath, 'objects'), { recursive: true })) {
    const p = join(clonePath, 'objects', sub);
    if (/\.pack$|^[0-9a-f]{2}\/[0-9a-f]{38}$/.test(sub)) await truncate(p, 0);
  }
  const c2 = repo.commit({ 'a.txt': '2' });
  const events: Event[] = [];
  const got = (await resolve(base, [request('app', repo, 'main')], events)).get('app');
  assert.equal(got?.commit, c2);
  const warning = events.find((e) => e.kind === 'warning');
  assert.match(
    warning?.kind === 'warning' ? warning.message : '',
    /^the cached clone of file:\/\/.* was damaged \(git: .*\); cloning it again$/,
  );
  assert.equal(await readFileAtCommit(clonePath, c2, 'a.txt'), '2');
  assert.equal(repo.git('-C', clonePath, 'fsck', '--no-progress'), '', 'the clone was made anew');

  // A clone whose HEAD is garbage is noticed even when only its commits are looked up.
  await writeFile(join(clonePath, 'HEAD'), 'garbage\n');
  await rm(join(base, 'git', 'commits.json'));
  assert.equal((await resolve(base, [request('app', repo, c2)])).get('app')?.commit, c2);
  assert.equal(await readFileAtCommit(clonePath, c2, 'a.txt'), '2');
});

test('a half clone left by a killed build is never taken for a clone', async () => {
  const dir = await tempDir();
  const base = join(dir, 'base');
  const repo = GitRepo.create(join(dir, 'app'), { 'a.txt': '1' });
  const clonePath = (await resolve(base, [request('app', repo, 'main')])).get('app')?.clonePath ?? '';
  await rm(join(base, 'git'), { recursive: true });
  // What a kill during the first clone leaves: a temporary sibling, never the clone itself.
  await mkdir(join(base, 'git', `.${clonePath.split('/').pop() ?? ''}.tmp-1-abcd`, 'objects'), {
    recursive: true,
  });
  await resolve(base, [request('app', repo, 'main')]);
  assert.deepEqual((await readdir(join(base, 'git'))).sort(), [clonePath.split('/').pop(), 'commits.json']);
});

test('exportTree writes only the committed tree of a folder; readFileAtCommit reads committed files', async () => {
  const dir = await tempDir();
  const repo = GitRepo.create(join(dir, 'app'), {
    'web/Dockerfile': 'FROM busybox\n',
    'web/src/index.js': 'x\n',
    'other.txt': 'no\n',
  });
  await writeFile(join(dir, 'app', 'web', 'untracked.txt'), 'never in an image\n');
  const got = (await resolve(join(dir, 'base'), [request('app', repo, 'main')])).get('app');
  assert.ok(got);
  const out = join(dir, 'ctx');
  await exportTree(got.clonePath, got.commit, './web/', out);
  assert.deepEqual((await readdir(out, { recursive: true })).sort(), ['Dockerfile', 'src', 'src/index.js']);
  await exportTree(got.clonePath, got.commit, '.', join(dir, 'root'));
  assert.deepEqual((await readdir(join(dir, 'root'))).sort(), ['other.txt', 'web']);
  await assert.rejects(exportTree(got.clonePath, got.commit, 'nope', join(dir, 'x')), {
    message: `folder "nope" does not exist at commit ${got.commit}`,
  });
  assert.equal(await readFileAtCommit(got.clonePath, got.commit, 'web/Dockerfile'), 'FROM busybox\n');
  assert.equal(await readFileAtCommit(got.clonePath, got.commit, 'web/untracked.txt'), undefined);
  assert.equal(await readFileAtCommit(got.clonePath, got.commit, 'web'), undefined);
});
