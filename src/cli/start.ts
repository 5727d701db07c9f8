import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from './code-cache.js';
import { defaultBaseDir } from './default-base-dir.js';

/**
 * What bin/taskcluster-installer.js runs: the bundled CLI (main.js beside this file once
 * bundled), through the V8 code cache of code-cache.ts, kept in `code-cache/` of the default
 * cache folder (`$XDG_CACHE_HOME/taskcluster-installer`, else `~/.cache/…`).
 * TASKCLUSTER_INSTALLER_CODE_CACHE=off runs without it.
 */
const env = process.env;
const off = env['TASKCLUSTER_INSTALLER_CODE_CACHE'] === 'off';
let cacheDir: string | undefined;
try {
  cacheDir = off ? undefined : `${defaultBaseDir(env)}/code-cache`;
} catch {
  // no home directory: no cache
}
runWithCodeCache({
  bundle: fileURLToPath(new URL('./main.js', import.meta.url)),
  cacheDir,
  command: process.argv.slice(2).find((a) => !a.startsWith('-')) ?? 'main',
});
