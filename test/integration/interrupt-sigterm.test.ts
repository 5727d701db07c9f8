import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CliProcess, type CliOutcome, until } from '../helpers/cli-process.js';
import { configMapRelease } from '../helpers/deploy-release.js';
import { GitHttpServer } from '../helpers/git-http-server.js';
import { GitRepo } from '../helpers/git-repo.js';
import { isRunning, processesWith } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * SIGTERM, as `kill <pid>` or `timeout` send it, ends every command while it works on a slow
 * input: with status 130 and `error: interrupted`, nothing half-written, and without waiting
 * for the slow thing to finish. Only the CLI's own process gets the signal; what its children
 * started in turn (a git hook, git's HTTP helper) is ended by the CLI too.
 */

/** Sends SIGTERM and returns the outcome with the milliseconds the CLI took to end. */
async function terminate(cli: CliProcess): Promise<CliOutcome & { endedInMs: number }> {
  const sent = performance.now();
  cli.kill('SIGTERM');
  const o = await cli.done;
  return { ...o, endedInMs: performance.now() - sent };
}

/** The pid the test's post-commit hook wrote, 0 when it did not run. */
function hookPid(dir: string): number {
  return existsSync(join(dir, 'hook.pid')) ? Number(readFileSync(join(dir, 'hook.pid'), 'utf8')) : 0;
}

/** The paths the process has open, from /proc. */
function openFiles(pid: number | undefined): string[] {
  try {
    const dir = `/proc/${pid}/fd`;
    return readdirSync(dir).map((fd) => {
      try {
        return readlinkSync(join(dir, fd));
      } catch {
        return '';
      }
    });
  } catch {
    return [];
  }
}

/** A release of `n` ConfigMaps holding `value`, as JSON text. */
const release = (n: number, value: string) => JSON.stringify(configMapRelease(n, value));

describe('SIGTERM ends a command that is waiting or working', () => {
  it('init, while the git commit waits for a slow post-commit hook of the user: 130, no directory, no hook left', async () => {
    const dir = await tempDir();
    const hooks = join(dir, 'hooks');
    await mkdir(hooks);
    // The user's own global hook, run by git after the starter commit; it takes a minute.
    await writeFile(
      join(hooks, 'post-commit'),
      `#!/bin/sh\necho $$ > ${join(dir, 'hook.pid')}\nexec sleep 60\n`,
    );
    chmodSync(join(hooks, 'post-commit'), 0o755);
    await writeFile(join(dir, 'gitconfig'), `[core]\n\thooksPath = ${hooks}\n`);
    const cli = CliProcess.start(['init', 'cluster'], {
      cwd: dir,
      env: { GIT_CONFIG_GLOBAL: join(dir, 'gitconfig') },
    });
    try {
      await until(() => existsSync(join(dir, 'hook.pid')), cli, 'the hook ran');
      const o = await terminate(cli);
      assert.equal(o.code, 130, o.stderr);
      assert.equal(o.stderr, 'error: interrupted\n');
      assert.equal(o.stdout, '');
      // Not the hook's minute: the CLI does not wait for what its git started.
      assert.ok(o.endedInMs < 20_000, `ended after ${Math.round(o.endedInMs)} ms`);
      assert.equal(existsSync(join(dir, 'cluster')), false, 'a half-made spec directory was left');
      assert.equal(isRunning(hookPid(dir)), false, 'the hook git started outlived the CLI');
    } finally {
      if (isRunning(hookPid(dir))) execFileSync('kill', [String(hookPid(dir))]);
    }
  });

  it('build, while a slow git server holds the source lookup: 130, no release, the base dir unlocked, no git helper left', async () => {
    const dir = await tempDir();
    const served = join(dir, 'served');
    await mkdir(served);
    const repo = GitRepo.create(join(dir, 'web'), { Dockerfile: 'FROM scratch\n' });
    execFileSync('git', ['clone', '-q', '--bare', repo.path, join(served, 'web.git')]);
    const server = await GitHttpServer.start(served);
    // Every request waits a minute before git's smart-HTTP answer starts.
    server.delayMs = 60_000;
    try {
      await mkdir(join(dir, 'spec'));
      await writeFile(
        join(dir, 'spec', 'build.yml'),
        `repositories:\n  - name: web\n    kind: service\n    source: ${server.url('web.git')}#main\n    service: {buildType: docker}\n`,
      );
      await writeFile(join(dir, 'spec', 'deploy.yml'), 'resources: []\n');
      const cli = CliProcess.start(
        ['build', '--log-format', 'json', '--base-dir', 'base', 'spec', 'release.json'],
        { cwd: dir },
      );
      await server.nextRequest();
      const o = await terminate(cli);
      assert.equal(o.code, 130, o.stderr);
      assert.equal(o.stderr, 'error: interrupted\n');
      assert.ok(o.endedInMs < 20_000, `ended after ${Math.round(o.endedInMs)} ms`);
      assert.equal(existsSync(join(dir, 'release.json')), false);
      assert.equal(existsSync(join(dir, 'base', 'build.lock')), false, 'the lock was left held');
      // git ls-remote's HTTP helper (git-remote-http), which holds the connection, is ended too.
      assert.deepEqual(processesWith(server.url('web.git')), []);
    } finally {
      await server.stop();
    }
  });

  it('deploy --apply, while kubectl waits on an API server that never answers: 130, the output kept whole', async () => {
    const dir = await tempDir();
    const connections: Socket[] = [];
    const closed: Socket[] = [];
    // Accepts and never answers, like a cluster behind a dead load balancer.
    const server = createServer((s) => {
      connections.push(s);
      // Read (and drop) the requests, or the socket never sees its end.
      s.resume();
      s.on('close', () => closed.push(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await writeFile(
      join(dir, 'kubeconfig'),
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
    );
    await writeFile(join(dir, 'release.json'), release(3, 'v'));
    try {
      const cli = CliProcess.start(['deploy', '--apply', '--log-format', 'json', 'release.json', 'out'], {
        cwd: dir,
        env: { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'kube-cache'), HOME: dir },
      });
      await until(() => connections.length > 0, cli, 'kubectl connected');
      const o = await terminate(cli);
      assert.equal(o.code, 130, o.stderr);
      assert.equal(o.stderr, 'error: interrupted\n');
      assert.ok(o.endedInMs < 20_000, `ended after ${Math.round(o.endedInMs)} ms`);
      // The output directory was complete before kubectl ran: the record of what was applied.
      assert.deepEqual((await readdir(join(dir, 'out'))).sort(), [
        'ConfigMap-cm-0.json',
        'ConfigMap-cm-1.json',
        'ConfigMap-cm-2.json',
      ]);
      // kubectl was ended too: its connection closed.
      await until(() => closed.length === connections.length, undefined, 'kubectl ended');
    } finally {
      for (const s of connections) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('deploy, while writing a large output directory: 130, the previous output as it was, no temporary left', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'old.json'), release(2, 'old'));
    await writeFile(join(dir, 'big.json'), release(20_000, 'x'.repeat(2000)));
    const first = await CliProcess.start(['deploy', 'old.json', 'out'], { cwd: dir }).done;
    assert.equal(first.code, 0, first.stderr);
    const cli = CliProcess.start(['deploy', 'big.json', 'out'], { cwd: dir });
    await until(
      async () => {
        const tmp = (await readdir(dir)).find((n) => n.startsWith('.out.tmp-'));
        return tmp !== undefined && (await readdir(join(dir, tmp)).catch(() => [])).length > 0;
      },
      cli,
      'files were being written',
    );
    const o = await terminate(cli);
    assert.equal(o.code, 130, o.stderr);
    assert.match(o.stderr, /error: interrupted\n$/);
    assert.deepEqual((await readdir(join(dir, 'out'))).sort(), [
      'ConfigMap-cm-0.json',
      'ConfigMap-cm-1.json',
    ]);
    assert.match(await readFile(join(dir, 'out', 'ConfigMap-cm-0.json'), 'utf8'), /"v": "old"/);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('.out.')),
      [],
      'a temporary directory was left',
    );
  });

  it('diff of two large output directories, while reading them: 130, no diff printed', async () => {
    const dir = await tempDir();
    for (const side of ['old', 'new']) {
      await mkdir(join(dir, side));
      for (let i = 0; i < 5000; i++) {
        const object = {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm-${i}` },
          data: { v: side },
        };
        await writeFile(join(dir, side, `ConfigMap-cm-${i}.json`), JSON.stringify(object));
      }
    }
    const cli = CliProcess.start(['diff', 'old', 'new'], { cwd: dir });
    await until(() => openFiles(cli.child.pid).some((f) => f.startsWith(dir + '/')), cli, 'it read a file');
    const o = await terminate(cli);
    assert.equal(o.code, 130, o.stderr);
    assert.equal(o.stderr, 'error: interrupted\n');
    assert.equal(o.stdout, '', 'a diff was printed after the interrupt');
  });
});
