import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$XDG_CACHE_HOME/taskcluster-installer`, else `~/.cache/taskcluster-installer` (README.md, build). */
export function defaultBaseDir(env: NodeJS.ProcessEnv): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'taskcluster-installer');
}
