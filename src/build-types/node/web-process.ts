import { posix } from 'node:path';
import { UserError } from '../../core/user-error.js';
import type { PackageManifest } from './package-manifest.js';

/** The command `web` runs when the Procfile has no `web` line, and where it came from. */
export interface WebProcess {
  command: string;
  /** e.g. `the "start" script`, for the build log. */
  from: string;
}

/**
 * What `web` runs for a service without a Procfile `web` line, decided at build time so that an
 * app with no way to start fails the build, not the pod:
 * 1. the `start` script: `npm start` (or the manager's `run start`);
 * 2. the `main` file the manifest names, if the commit has it: `node <main>`;
 * 3. `server.js`, npm's own default for `npm start`;
 * 4. `index.js`, the default `main`.
 * `main` comes before `server.js` on purpose: npm's fallback runs `server.js` even when `main`
 * names another file, and a `server.js` that only exports a class exits 0 at once (the
 * microservices demo's payment service: `main: index.js` beside a library `server.js`).
 * `hasFile` answers for paths relative to the service's folder, at the built commit.
 */
export function webProcess(
  service: string,
  manifest: PackageManifest,
  hasFile: (path: string) => boolean,
  run = 'npm start',
): WebProcess {
  if (typeof manifest.scripts?.['start'] === 'string') return { command: run, from: 'the "start" script' };
  if (typeof manifest.main === 'string') {
    const main = posix.normalize(manifest.main).replace(/^\.\//, '');
    for (const candidate of [main, `${main}.js`, `${main}/index.js`]) {
      if (hasFile(candidate)) return { command: `node ${candidate}`, from: `"main" (${manifest.main})` };
    }
  }
  for (const file of ['server.js', 'index.js']) {
    if (hasFile(file)) return { command: `node ${file}`, from: file };
  }
  throw new UserError({
    message: `service "${service}": nothing to run as "web": no Procfile with a web process, no "start" script in package.json, ${
      typeof manifest.main === 'string' ? `no file "${manifest.main}" (its "main")` : 'no "main"'
    }, no server.js or index.js`,
    hint: 'add a Procfile line such as "web: node app.js", or a "start" script',
  });
}
