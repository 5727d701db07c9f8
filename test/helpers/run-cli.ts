import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../bin/taskcluster-installer.js', import.meta.url));
export const fixturesDir = fileURLToPath(new URL('../../../shared/fixtures', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real, compiled CLI (`npm run build` first) as a user would. `killAfterMs`: a CLI
 * still running then is killed (SIGKILL, since one that hangs may not answer anything else),
 * so a hang fails the test instead of stalling the run.
 */
export async function runCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; killAfterMs?: number } = {},
): Promise<CliResult> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, DEBUG: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.killAfterMs !== undefined
        ? { timeout: opts.killAfterMs, killSignal: 'SIGKILL' as const }
        : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.end(opts.input ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
