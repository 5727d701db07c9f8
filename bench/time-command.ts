import { spawn } from 'node:child_process';

export interface TimedRun {
  ms: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion and measures its wall time from spawn to exit, so a Node
 * program's start-up is included. A non-zero exit fails the benchmark with the command's stderr.
 */
export async function timeCommand(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<TimedRun> {
  const started = process.hrtime.bigint();
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr.slice(-4000)}`));
      else resolve({ ms, stdout, stderr });
    });
  });
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** `runs` timings of `once` after `warmup` untimed ones: the median, and every sample. */
export async function medianOf(
  runs: number,
  once: () => Promise<number>,
  warmup = 1,
): Promise<{ median: number; samples: number[] }> {
  for (let i = 0; i < warmup; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  return { median: median(samples), samples };
}
