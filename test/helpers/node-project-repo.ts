import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { PackageManager } from '../../src/build-types/node/package-manager.js';
import { GitRepo } from './git-repo.js';

const require = createRequire(import.meta.url);

/**
 * The package managers' own command-line programs, from this project's devDependencies (Yarn
 * 1.22.22, pnpm 10.34.9) or the Node.js installation (npm): no download, no corepack.
 */
export const PACKAGE_MANAGER_BINS: Record<PackageManager, string> = {
  npm: join(dirname(process.execPath), 'npm'),
  yarn: require.resolve('yarn/bin/yarn.js'),
  // pnpm exports only its package.json; its bin sits beside it.
  pnpm: join(dirname(require.resolve('pnpm')), 'bin', 'pnpm.cjs'),
};

/** Runs a package manager in `cwd` with its caches in `cacheDir`; throws with its output on failure. */
export function runPackageManager(
  manager: PackageManager,
  cwd: string,
  args: string[],
  cacheDir: string,
  env: Record<string, string> = {},
): string {
  const { file, argv, options } = packageManagerCommand(manager, cwd, args, cacheDir, env);
  try {
    return execFileSync(file, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw failed(manager, cwd, args, e);
  }
}

/**
 * runPackageManager without blocking this process: for a package manager that talks to a server
 * this process runs (a synchronous child would keep it from answering).
 */
export async function runPackageManagerAsync(
  manager: PackageManager,
  cwd: string,
  args: string[],
  cacheDir: string,
  env: Record<string, string> = {},
): Promise<string> {
  const { file, argv, options } = packageManagerCommand(manager, cwd, args, cacheDir, env);
  try {
    return (await promisify(execFile)(file, argv, options)).stdout;
  } catch (e) {
    throw failed(manager, cwd, args, e);
  }
}

function packageManagerCommand(
  manager: PackageManager,
  cwd: string,
  args: string[],
  cacheDir: string,
  env: Record<string, string>,
) {
  const bin = PACKAGE_MANAGER_BINS[manager];
  const cache =
    manager === 'npm'
      ? ['--cache', cacheDir]
      : manager === 'yarn'
        ? ['--cache-folder', cacheDir]
        : ['--store-dir', cacheDir];
  const cmd = manager === 'npm' ? [bin] : [process.execPath, bin];
  return {
    file: cmd[0] as string,
    argv: [...cmd.slice(1), ...args, ...cache],
    options: {
      cwd,
      encoding: 'utf8' as const,
      env: { ...process.env, npm_config_update_notifier: 'false', COREPACK_ENABLE_STRICT: '0', ...env },
    },
  };
}

function failed(manager: PackageManager, cwd: string, args: string[], e: unknown): Error {
  const err = e as { stdout?: string; stderr?: string };
  return new Error(`${manager} ${args.join(' ')} in ${cwd} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
}

export interface NodeProjectLayout {
  /** Fields of the root package.json (`name` and `private` are added). */
  root: Record<string, unknown>;
  /** Workspace folder → its package.json fields and files. */
  workspaces?: Record<string, { manifest: Record<string, unknown>; files?: Record<string, string> }>;
  /** Other files of the repository. */
  files?: Record<string, string>;
}

/**
 * A git repository holding a Node.js project (a single app or a workspace root with its
 * workspaces) whose lock file the real package manager wrote against `registryUrl`, committed.
 * Lock files are written without running any install script.
 */
export class NodeProjectRepo {
  readonly repo: GitRepo;

  constructor(
    readonly dir: string,
    readonly manager: PackageManager,
    readonly registryUrl: string,
    private readonly cacheDir: string,
    layout: NodeProjectLayout,
  ) {
    this.repo = GitRepo.create(dir);
    this.write(layout);
    this.lock();
    this.repo.commit({}, 'project');
  }

  /** Writes files and manifests (a null file deletes it), locks again, commits; returns the commit. */
  change(layout: Partial<NodeProjectLayout>, message = 'change'): string {
    this.write(layout);
    this.lock();
    return this.repo.commit({}, message);
  }

  private write(layout: Partial<NodeProjectLayout>): void {
    const put = (path: string, content: string | null) => {
      const p = join(this.dir, path);
      if (content === null) return rmSync(p, { force: true });
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    };
    const registry =
      this.manager === 'yarn' ? `registry "${this.registryUrl}"\n` : `registry=${this.registryUrl}\n`;
    put(this.manager === 'yarn' ? '.yarnrc' : '.npmrc', registry);
    const workspaceDirs = Object.keys(layout.workspaces ?? {});
    if (layout.root !== undefined) {
      const root = { name: 'root', version: '1.0.0', private: true, ...layout.root };
      if (this.manager !== 'pnpm' && workspaceDirs.length > 0 && !('workspaces' in layout.root))
        Object.assign(root, { workspaces: workspaceDirs });
      put('package.json', JSON.stringify(root, null, 2));
    }
    if (this.manager === 'pnpm' && workspaceDirs.length > 0)
      put(
        'pnpm-workspace.yaml',
        `packages:\n${workspaceDirs.map((d) => `  - ${JSON.stringify(d)}\n`).join('')}`,
      );
    for (const [dir, ws] of Object.entries(layout.workspaces ?? {})) {
      put(`${dir}/package.json`, JSON.stringify({ version: '1.0.0', ...ws.manifest }, null, 2));
      for (const [f, c] of Object.entries(ws.files ?? {})) put(`${dir}/${f}`, c);
    }
    for (const [f, c] of Object.entries(layout.files ?? {})) put(f, c);
  }

  private lock(): void {
    const args: Record<PackageManager, string[]> = {
      npm: ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
      // Yarn 1 has no lock-only mode: it installs, and the tree is removed.
      yarn: ['install', '--ignore-scripts', '--non-interactive', '--no-progress'],
      pnpm: ['install', '--lockfile-only', '--ignore-scripts'],
    };
    runPackageManager(this.manager, this.dir, args[this.manager], this.cacheDir);
    execFileSync('sh', ['-c', 'find . -name node_modules -prune -exec rm -rf {} +'], { cwd: this.dir });
  }
}
