/**
 * Process groups of the runner's children (exec.ts). Each child leads a group of its own, which
 * whatever it starts (a git hook, git's HTTP helper, a credential plugin of kubectl) joins, so
 * stopping a child stops everything it started: a signal to the child alone would leave its own
 * children running, holding its pipes and the connections they opened.
 */

/** How long a group has to end after SIGTERM before it gets SIGKILL. */
export const STOP_GRACE_MS = 2000;

/** The groups of children whose output is still open. */
const groups = new Set<number>();

export function trackGroup(pid: number): void {
  groups.add(pid);
}

export function untrackGroup(pid: number): void {
  groups.delete(pid);
}

/** Sends `signal` to every process of group `pid`; a group already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ESRCH: nobody left in the group. EPERM: nobody left that this user may signal.
    if (code !== 'ESRCH' && code !== 'EPERM') throw e;
  }
}

/**
 * Ends group `pid`: SIGTERM, and SIGKILL once `ended` (the child's output closed: it and every
 * process holding its pipes are gone) or after `STOP_GRACE_MS`, whichever is first. The SIGKILL
 * also reaches what ignored SIGTERM after letting go of the pipes.
 */
export async function stopGroup(pid: number, ended: Promise<unknown>): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  await settledWithin(ended, STOP_GRACE_MS);
  signalGroup(pid, 'SIGKILL');
  // A process stuck in the kernel (an unresponsive NFS mount) may outlive even SIGKILL for a
  // while; the caller does not wait for it forever.
  await settledWithin(ended, 1000);
}

/**
 * SIGKILL to every group still open, for a process that exits at once (a second Ctrl-C): its
 * children, in groups of their own, get no signal from the terminal.
 */
export function killAllGroups(): void {
  for (const pid of groups) signalGroup(pid, 'SIGKILL');
}

async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((r) => (timer = setTimeout(r, ms))),
  ]);
  clearTimeout(timer);
}
