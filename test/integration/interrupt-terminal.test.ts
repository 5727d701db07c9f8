import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CliProcess, until } from '../helpers/cli-process.js';
import { isRunning } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * A terminal signals its foreground job as a whole: Ctrl-C sends SIGINT, closing the terminal
 * SIGHUP, to every process of the job's process group. The processes the CLI starts lead groups
 * of their own, so these signals reach the CLI alone, and the CLI must end what it started,
 * including what those processes started in turn and what ignores the polite signals.
 */

/**
 * `init` with the user's global post-commit hook holding git's commit: the hook ignores SIGINT,
 * SIGTERM and SIGHUP (as a careless script may) and would run for a minute.
 */
async function initHeldByStubbornHook(): Promise<{ cli: CliProcess; hookPid: () => number }> {
  const dir = await tempDir();
  const hooks = join(dir, 'hooks');
  await mkdir(hooks);
  await writeFile(
    join(hooks, 'post-commit'),
    `#!/bin/sh\ntrap '' INT TERM HUP\necho $$ > ${join(dir, 'hook.pid')}\nexec sleep 60\n`,
  );
  chmodSync(join(hooks, 'post-commit'), 0o755);
  await writeFile(join(dir, 'gitconfig'), `[core]\n\thooksPath = ${hooks}\n`);
  const cli = CliProcess.start(['init', 'cluster'], {
    cwd: dir,
    env: { GIT_CONFIG_GLOBAL: join(dir, 'gitconfig') },
    terminalJob: true,
  });
  const pidFile = join(dir, 'hook.pid');
  const hookPid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0);
  await until(() => hookPid() > 0, cli, 'the hook ran');
  return { cli, hookPid };
}

describe('a terminal interrupting the CLI leaves no process behind', () => {
  for (const [signal, what] of [
    ['SIGINT', 'Ctrl-C'],
    ['SIGHUP', 'closing the terminal'],
  ] as const) {
    it(`${what} (${signal} to the job): 130, and a hook that ignores it is ended too`, async () => {
      const { cli, hookPid } = await initHeldByStubbornHook();
      try {
        cli.signalJob(signal);
        const o = await cli.done;
        assert.equal(o.code, 130, o.stderr);
        assert.equal(isRunning(hookPid()), false, 'the hook outlived the CLI');
      } finally {
        if (isRunning(hookPid())) process.kill(hookPid(), 'SIGKILL');
      }
    });
  }

  it('Ctrl-C twice ("stop now"): 130 at once, and nothing the CLI started is left running', async () => {
    const { cli, hookPid } = await initHeldByStubbornHook();
    try {
      cli.signalJob('SIGINT');
      // Within the grace period the first Ctrl-C gives the hook before it kills it.
      await new Promise((r) => setTimeout(r, 300));
      cli.signalJob('SIGINT');
      const o = await cli.done;
      assert.equal(o.code, 130, o.stderr);
      // The CLI sent SIGKILL before it exited; the kernel ends the hook an instant later.
      await until(() => !isRunning(hookPid()), undefined, 'the hook ended after the CLI');
    } finally {
      if (isRunning(hookPid())) process.kill(hookPid(), 'SIGKILL');
    }
  });
});
