import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BuildRig, listFiles } from '../helpers/build-rig.js';
import { runCliToEnd } from '../helpers/cli-process.js';
import { GitHttpServer } from '../helpers/git-http-server.js';

/** Git going wrong between or during builds: each leaves a base dir the next build uses. */
const rigs: BuildRig[] = [];
after(() => rigs.forEach((r) => r.cleanup()));

function rig(): BuildRig {
  const r = BuildRig.create([
    { name: 'api', dockerfile: 'FROM busybox\nCOPY . /src\nCMD ["cat","/src/version"]\n' },
  ]);
  rigs.push(r);
  r.repos.get('api')?.commit({ version: 'one\n' });
  return r;
}

function exactSource(r: BuildRig): string {
  return String(r.release().build.repositories[0]?.['exactSource']);
}

function runImage(r: BuildRig): string {
  const image = (r.release().build.repositories[0]?.['service'] as { dockerImage: string }).dockerImage;
  return execFileSync('docker', ['run', '--rm', image], { encoding: 'utf8' });
}

/** Damages every object file of the cached clone (loose objects and packs alike). */
function corruptClone(r: BuildRig): void {
  const objects = listFiles(r.baseDir).filter((f) => /\/objects\/([0-9a-f]{2}\/|pack\/.*\.pack$)/.test(f));
  assert.ok(objects.length > 0, 'the clone has object files');
  for (const f of objects) {
    const p = join(r.baseDir, f);
    const size = statSync(p).size;
    execFileSync('chmod', ['u+w', p]);
    writeFileSync(p, Buffer.alloc(size, 0x5a));
  }
}

describe('git faults', () => {
  test('an unreachable remote: the entry and URL are named; the next build, with the remote back, succeeds', async () => {
    const r = rig();
    const repo = r.repos.get('api') as NonNullable<ReturnType<typeof r.repos.get>>;
    execFileSync('git', ['clone', '-q', '--bare', repo.path, join(r.dir, 'served', 'api.git')]);
    let server = await GitHttpServer.start(join(r.dir, 'served'));
    const port = server.port;
    const url = server.url('api.git');
    writeFileSync(
      join(r.specDir, 'build.yml'),
      readFileSync(join(r.specDir, 'build.yml'), 'utf8').replace(/source: .*/, `source: "${url}#main"`),
    );
    await server.stop();

    const down = await runCliToEnd(r.buildArgs());
    assert.equal(down.code, 1, down.stderr);
    assert.match(
      down.stderr,
      new RegExp(`build\\.yml(:\\d+)?: repositories\\[0\\]\\.source: .*${url.replace(/\./g, '\\.')}`),
    );
    assert.match(down.stderr, /hint: /);
    assert.doesNotMatch(down.stderr, /^\s+at |internal error/m);

    // Same port again, so the spec's URL works unchanged.
    server = await GitHttpServer.start(join(r.dir, 'served'), { port });
    try {
      const up = await runCliToEnd(r.buildArgs());
      assert.equal(up.code, 0, up.stderr);
      assert.equal(runImage(r), 'one\n');
    } finally {
      await server.stop();
    }
  });

  test('a ref deleted since the last build: named, and the old release is left as it was', async () => {
    const r = rig();
    const repo = r.repos.get('api') as NonNullable<ReturnType<typeof r.repos.get>>;
    repo.branch('feature');
    writeFileSync(
      join(r.specDir, 'build.yml'),
      readFileSync(join(r.specDir, 'build.yml'), 'utf8').replace('#main', '#feature'),
    );
    const first = await runCliToEnd(r.buildArgs());
    assert.equal(first.code, 0, first.stderr);
    const before = readFileSync(r.releasePath, 'utf8');

    repo.git('branch', '-D', 'feature');
    const o = await runCliToEnd(r.buildArgs());
    assert.equal(o.code, 1, o.stderr);
    assert.match(o.stderr, /build\.yml(:\d+)?: repositories\[0\]\.source: ref "feature" not found in /);
    assert.equal(readFileSync(r.releasePath, 'utf8'), before);
  });

  test('a force-pushed branch: the new commit is built and pinned', async () => {
    const r = rig();
    const repo = r.repos.get('api') as NonNullable<ReturnType<typeof r.repos.get>>;
    assert.equal((await runCliToEnd(r.buildArgs())).code, 0);
    const old = exactSource(r);

    // History rewritten: main now points at a commit that does not descend from the old one.
    repo.git('checkout', '-q', '--orphan', 'rewritten');
    const rewritten = repo.commit({ version: 'two\n' }, 'rewritten history');
    repo.git('branch', '-M', 'rewritten', 'main');

    const o = await runCliToEnd(r.buildArgs());
    assert.equal(o.code, 0, o.stderr);
    assert.notEqual(exactSource(r), old);
    assert.ok(exactSource(r).endsWith(`#${rewritten}`));
    assert.equal(runImage(r), 'two\n');
  });

  test('a corrupt cached clone at an unchanged commit is noticed and fetched again', async () => {
    const r = rig();
    assert.equal((await runCliToEnd(r.buildArgs())).code, 0);
    corruptClone(r);
    // The image is gone, so the build must read the clone again.
    execFileSync('docker', ['rmi', ...r.images()], { stdio: 'ignore' });

    const o = await runCliToEnd(r.buildArgs());
    assert.equal(o.code, 0, o.stderr);
    assert.equal(runImage(r), 'one\n');
  });

  test('a corrupt cached clone is noticed and fetched again', async () => {
    const r = rig();
    const repo = r.repos.get('api') as NonNullable<ReturnType<typeof r.repos.get>>;
    assert.equal((await runCliToEnd(r.buildArgs())).code, 0);

    corruptClone(r);
    const next = repo.commit({ version: 'three\n' });

    const o = await runCliToEnd(r.buildArgs());
    assert.equal(o.code, 0, o.stderr);
    assert.ok(exactSource(r).endsWith(`#${next}`));
    assert.equal(runImage(r), 'three\n');
    // What was damaged was replaced, not patched around: git finds nothing wrong now.
    const clone = join(
      r.baseDir,
      'git',
      readdirSync(join(r.baseDir, 'git')).find((d) => d.startsWith('api-')) ?? '',
    );
    execFileSync('git', ['-C', clone, 'fsck', '--no-dangling'], { stdio: 'pipe' });
  });
});
