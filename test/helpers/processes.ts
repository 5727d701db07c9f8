import { readdirSync, readFileSync } from 'node:fs';

/**
 * The live processes of this machine whose command line contains `marker` (a unique path or
 * URL a test gave them), as `pid: command line`. A process that has exited but was not yet
 * reaped (a zombie) has an empty command line, so it does not count: it runs nothing.
 */
export function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue;
    }
    if (cmdline.includes(marker)) found.push(`${pid}: ${cmdline}`);
  }
  return found;
}

/** Whether process `pid` is running (not gone, not a zombie). */
export function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== '';
  } catch {
    return false;
  }
}
