import { randomBytes } from 'node:crypto';

/**
 * Names of things a run leaves on disk or in runc's state (temporary files beside what is
 * written atomically, temporary root filesystems, containers) carry the pid of the process that
 * made them: a later run removes those whose process is gone (a killed build), and never those
 * of a build still running beside it.
 */
export function ownedName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** The owner's pid of a name made by `ownedName(prefix)`, or undefined for other names. */
export function ownerOf(prefix: string, name: string): number | undefined {
  const m = /^(\d+)-[0-9a-f]{8}$/.exec(name.startsWith(`${prefix}-`) ? name.slice(prefix.length + 1) : '');
  return m ? Number(m[1]) : undefined;
}

/** Whether the process `pid` exists (a reused pid keeps a leftover a little longer, harmlessly). */
export function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
