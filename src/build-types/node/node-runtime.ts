/** What a native module built in one image needs of the image it runs in. */
export interface NodeRuntime {
  /** `process.versions.node`, e.g. `20.20.2`. */
  node: string;
  /** `process.versions.modules`: the ABI native modules are built for (115 for Node 20). */
  modules: string;
  /** The C library Node.js is linked with: glibc with its version, or musl (Alpine). */
  libc: { family: 'glibc'; version: string } | { family: 'musl' };
  /** `linux/x64`: what native modules are built for besides the ABI. */
  platform?: string;
  /**
   * Every command on the image's PATH (sorted names): its package managers, corepack (which can
   * fetch yarn and pnpm), tar (which hands an install's `node_modules` back from a container of a
   * Docker engine), and what the start check looks processes up in.
   */
  commands?: readonly string[];
  /** The variables of the image's environment that name a package manager's cache (`CACHE_SETTINGS`). */
  cacheSettings?: readonly string[];
  /** The version of the npm on the PATH (its package.json's), which `devEngines` is checked against. */
  npm?: string;
}

/** Settings that put npm's, Yarn's or pnpm's cache somewhere (npm reads either case). */
const CACHE_SETTINGS = [
  'npm_config_cache',
  'NPM_CONFIG_CACHE',
  'YARN_CACHE_FOLDER',
  'npm_config_store_dir',
  'NPM_CONFIG_STORE_DIR',
];

/**
 * The command that reports an image's runtime, run once per image digest in a container of it
 * (about a second; the answer can be kept by digest). Node's own report says which glibc it
 * runs on and says nothing on musl, as `detect-libc` reads it. An image's config is not
 * enough: the official images set `NODE_VERSION` but nothing names the C library, and finding
 * the loader (`/lib/ld-musl-*`, `/lib64/ld-linux-*`) in the layers means reading them all.
 */
export const NODE_RUNTIME_PROBE: readonly string[] = [
  'node',
  '-e',
  'const h = process.report.getReport().header; const fs = require("fs");' +
    'const runs = (f) => { try { fs.accessSync(f, fs.constants.X_OK); return !fs.statSync(f).isDirectory(); } catch { return false; } };' +
    'const commands = [...new Set((process.env.PATH || "").split(":").flatMap((d) => { try { return fs.readdirSync(d).filter((c) => runs(d + "/" + c)); } catch { return []; } }))].sort();' +
    'console.log(commands.join("\\n"));' +
    // npm's own package.json, above the file its command links to (`npm --version` costs a process).
    'const npmVersion = () => { for (const d of (process.env.PATH || "").split(":")) { try { let p = fs.realpathSync(d + "/npm");' +
    ' for (let i = 0; i < 3; i++) { p = require("path").dirname(p); try { const j = JSON.parse(fs.readFileSync(p + "/package.json", "utf8"));' +
    ' if (j.name === "npm") return j.version; } catch {} } } catch {} } return null; };' +
    'console.log(JSON.stringify({ node: process.versions.node, modules: process.versions.modules, glibc: h.glibcVersionRuntime ?? null,' +
    ' platform: process.platform + "/" + process.arch, commands: commands.length,' +
    ` cacheSettings: ${JSON.stringify(CACHE_SETTINGS)}.filter((n) => process.env[n]), npm: npmVersion() }))`,
];

/**
 * Reads the probe's output: its last line, and before it as many lines as that counts commands,
 * one per line (a Debian image has over a thousand: on one line they could pass the 64 kB a log
 * line is cut at). An entrypoint may print before all that.
 */
export function parseNodeRuntime(stdout: string): NodeRuntime {
  const lines = stdout.trim().split('\n');
  const r = JSON.parse(lines.pop() ?? '') as Omit<NodeRuntime, 'libc' | 'commands' | 'npm'> & {
    glibc: string | null;
    commands?: number;
    npm?: string | null;
  };
  const commands = r.commands === undefined ? undefined : new Set(lines.slice(lines.length - r.commands));
  return {
    node: r.node,
    modules: r.modules,
    libc: r.glibc === null ? { family: 'musl' } : { family: 'glibc', version: r.glibc },
    ...(r.platform !== undefined ? { platform: r.platform } : {}),
    ...(commands !== undefined ? { commands: [...commands] } : {}),
    ...(r.cacheSettings !== undefined ? { cacheSettings: r.cacheSettings } : {}),
    ...(typeof r.npm === 'string' ? { npm: r.npm } : {}),
  };
}

/** Whether `command` is on the image's PATH; undefined when the probe did not say. */
export function hasCommand(runtime: NodeRuntime, command: string): boolean | undefined {
  return runtime.commands?.includes(command);
}

/** `20.20.2 glibc 2.36`: the dependency layer's `runtime` key input. */
export function describeNodeRuntime(r: NodeRuntime): string {
  return `${r.node} ${r.libc.family}${r.libc.family === 'glibc' ? ` ${r.libc.version}` : ''}`;
}

/**
 * Why native modules built in the build image may not load in the run image, or undefined
 * when they will: another Node.js ABI, another C library, or a newer glibc in the build image
 * (a binary linked against glibc 2.36 needs 2.36 or later; an older one is fine).
 */
export function runtimeMismatch(build: NodeRuntime, run: NodeRuntime): string | undefined {
  if (build.modules !== run.modules) {
    return `the build image has Node.js ${build.node} (ABI ${build.modules}) and the run image ${run.node} (ABI ${run.modules})`;
  }
  if (build.libc.family !== run.libc.family) {
    return `the build image's Node.js uses ${build.libc.family} and the run image's ${run.libc.family}`;
  }
  if (
    build.libc.family === 'glibc' &&
    run.libc.family === 'glibc' &&
    newer(build.libc.version, run.libc.version)
  ) {
    return `the build image has glibc ${build.libc.version}, newer than the run image's ${run.libc.version}`;
  }
  return undefined;
}

function newer(a: string, b: string): boolean {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am > bm || (am === bm && an > bn);
}
