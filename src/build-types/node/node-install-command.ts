import { shQuote } from '../procfile/procfile-entrypoint.js';

export type PackageManager = 'npm' | 'yarn' | 'pnpm';

/** Lock files in the order they are looked for at the repository root. */
export const LOCK_FILES: ReadonlyArray<readonly [file: string, manager: PackageManager]> = [
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
  ['yarn.lock', 'yarn'],
  ['pnpm-lock.yaml', 'pnpm'],
];

interface Commands {
  /** Installs exactly what the lock file pins; `prod` leaves out dev dependencies. */
  install(prod: boolean): string;
  /** Removes dev dependencies after a build script needed them. */
  prune: string;
  run(script: string): string;
  cache: string;
}

// Lifecycle scripts never run (`--ignore-scripts`); the package manager's cache lives in /tmp
// and is removed in the same layer, so it never reaches the image.
const COMMANDS: Record<PackageManager, Commands> = {
  npm: {
    install: (prod) =>
      `npm ci ${prod ? '--omit=dev' : '--include=dev'} --ignore-scripts --no-audit --no-fund --cache /tmp/npm-cache`,
    prune: 'npm prune --omit=dev --ignore-scripts --no-audit --no-fund --cache /tmp/npm-cache',
    run: (s) => `npm run ${shQuote(s)}`,
    cache: '/tmp/npm-cache',
  },
  yarn: {
    // Yarn 1 removes dev dependencies when `--production` installs over a full install.
    install: (prod) =>
      `yarn install --frozen-lockfile${prod ? ' --production' : ''} --ignore-scripts --non-interactive --cache-folder /tmp/yarn-cache`,
    prune:
      'yarn install --frozen-lockfile --production --ignore-scripts --non-interactive --cache-folder /tmp/yarn-cache',
    run: (s) => `yarn run ${shQuote(s)}`,
    cache: '/tmp/yarn-cache',
  },
  pnpm: {
    install: (prod) =>
      `pnpm install --frozen-lockfile${prod ? ' --prod' : ''} --ignore-scripts --store-dir /tmp/pnpm-store`,
    prune: 'pnpm prune --prod --ignore-scripts',
    run: (s) => `pnpm run ${shQuote(s)}`,
    cache: '/tmp/pnpm-store',
  },
};

/**
 * The one shell command (one image layer) that installs production dependencies. With a build
 * script, dev dependencies are installed first (build tools usually are dev dependencies), the
 * script runs, and dev dependencies are pruned in the same layer. Yarn and pnpm come from the base
 * image, or from its corepack when the image has no such command (corepack downloads them).
 */
export function nodeInstallCommand(manager: PackageManager, buildScript?: string): string {
  const c = COMMANDS[manager];
  const steps =
    buildScript === undefined ? [c.install(true)] : [c.install(false), c.run(buildScript), c.prune];
  const ensure =
    manager === 'npm'
      ? []
      : [
          `{ command -v ${manager} >/dev/null || COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack enable ${manager}; }`,
        ];
  return [...ensure, ...steps, `rm -rf ${c.cache}`].join(' && ');
}
