import { timeCommand } from './time-command.js';

export interface MeasuredRun {
  /** Wall time of the command's own process, from fork to exit. */
  ms: number;
  /** Its CPU time, user + system, all threads. */
  cpuMs: number;
  stdout: string;
  stderr: string;
}

const MARK = 'tci-bench-usage';

/**
 * Runs a command under bash's `time`, which reads the child's own resource usage (wait4), so
 * the CPU time is exact and nothing is loaded into the measured process. (A preloaded hook
 * would make Node start its ES module loader, which the CLI itself does not need.) A non-zero
 * exit fails the benchmark, as with timeCommand.
 */
export async function runMeasured(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<MeasuredRun> {
  const script = `TIMEFORMAT=$'\\n${MARK} %3R %3U %3S'; time "$@"`;
  const run = await timeCommand('bash', ['-c', script, 'bash', cmd, ...args], opts);
  const at = run.stderr.lastIndexOf(`\n${MARK} `);
  const [real, user, sys] = run.stderr
    .slice(at + MARK.length + 2)
    .trim()
    .split(' ')
    .map(Number);
  if (at === -1 || real === undefined || user === undefined || sys === undefined)
    throw new Error(`no resource usage from bash for ${cmd} ${args.join(' ')}`);
  return { ms: real * 1000, cpuMs: (user + sys) * 1000, stdout: run.stdout, stderr: run.stderr.slice(0, at) };
}
