import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/** Stops a server process a helper started, waits for it to exit, and removes its folder. */
export async function stopServer(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill();
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
