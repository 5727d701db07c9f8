import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { makeDirectory } from '../../core/make-directory.js';
import type { LayerEntry } from '../../inputs/oci-types.js';
import type { CodeStep, KeyedLayer, MadeLayer, ToolBuildContext } from '../build-type.js';
import type { TreeEntry } from '../git-tree.js';
import { dependencyLayerKey } from './dependency-layer-key.js';
import { installCommand, type InstallCommand } from './install-command.js';
import {
  ignoredScriptsWarning,
  installedInstallScripts,
  lockedInstallScripts,
  pnpmIgnoredBuildsWarning,
  text,
} from './install-scripts.js';
import { buildToolsHint } from './build-tools-hint.js';
import { nodeHeadersHint } from './node-headers-hint.js';
import { pnpmLockfileHint } from './pnpm-lockfile-hint.js';
import type { NodeImages } from './node-images.js';
import { inFolder, inProject, ownFolders, type NodeAnalysis } from './node-project.js';
import { npmProductionInputs } from './npm-production-inputs.js';
import { prismaHint } from './prisma-hint.js';
import { describeNodeRuntime } from './node-runtime.js';
import type { PackageManager } from './package-manager.js';

/** Bump when the way a dependency layer is made changes (commands, what is kept, normalisation). */
const DEPENDENCY_STEP = 'node-deps-4';
/** The same for the kept image of a build script's dependencies (`builtApp`). */
const BUILD_DEPENDENCY_STEP = 'node-build-deps-1';

/** Where the project root is in the install container and in the image. */
export const APP = '/app';

/** What the install of one service is: the service, its project, images and settings. */
export interface InstallPlan {
  service: string;
  analysis: NodeAnalysis;
  images: NodeImages;
  ignoreScripts: boolean;
  /** `env:` as it enters keys (`!env` by name). */
  keyEnv: Readonly<Record<string, unknown>>;
  /** The environment of the install and build steps (values read, npmrc secret pointed at). */
  env: Record<string, string>;
  secretFiles: ReadonlyMap<string, Uint8Array>;
  baseDigests: Readonly<Record<string, string>>;
}

/** A dependency layer, and the commands it puts in the `node_modules/.bin` folders on the app's PATH. */
export interface DependencyLayer {
  /** The handle itself: the image writer places the layer by it. */
  layer: KeyedLayer;
  commands: ReadonlySet<string>;
}

/**
 * The service's production dependencies as a layer: `node_modules` of the project root and of
 * the workspaces it uses, as the package manager installs them from the lock file in a
 * container of the install image (install scripts run as the manager runs them, unless
 * `ignoreScripts`). Kept under a key of everything it is made of (`dependencyLayerKey`), so an
 * unchanged key reuses it without running the package manager; its names of packages with
 * install scripts are kept with it, so a reused layer warns as a new one does, and so are its
 * commands, which the start check reads.
 */
export async function dependencyLayer(plan: InstallPlan, ctx: ToolBuildContext): Promise<DependencyLayer> {
  const { project } = plan.analysis;
  const key = installKey(plan, false);
  const layer = await ctx.keyedLayer(key, () => installDependencies(plan, ctx));
  ctx.onLine(
    layer.reused
      ? `dependencies: layer ${key} reused, ${project.manager} not run`
      : `dependencies: layer ${key} installed by ${project.manager}`,
  );
  const notes = layer.notes as { installScripts?: string[]; ignoredBuilds?: string[]; commands?: string[] };
  if (plan.ignoreScripts && (notes.installScripts?.length ?? 0) > 0)
    ctx.warn(ignoredScriptsWarning(plan.service, notes.installScripts ?? []));
  if (!plan.ignoreScripts && (notes.ignoredBuilds?.length ?? 0) > 0)
    ctx.warn(pnpmIgnoredBuildsWarning(plan.service, notes.ignoredBuilds ?? []));
  return { layer, commands: new Set(notes.commands) };
}

/**
 * The `node_modules/.bin` folders of the project root and of the service's folder in the image:
 * where npm's `run` finds commands, and what the image's PATH ends with (`pathAppend`).
 */
export function binFolders(analysis: NodeAnalysis): string[] {
  const service = inProject(analysis.project, analysis.serviceDir);
  return [...new Set([inFolder(service, 'node_modules/.bin'), 'node_modules/.bin'])].map(
    (d) => `${APP}/${d}`,
  );
}

/**
 * The key of the install of the service's production dependencies, or with `includeDev` of all
 * of them (a build script's, kept as an image): everything the install is made of.
 */
export function installKey(plan: InstallPlan, includeDev: boolean): string {
  const { analysis } = plan;
  const { project } = analysis;
  return dependencyLayerKey({
    stepVersion: includeDev ? BUILD_DEPENDENCY_STEP : DEPENDENCY_STEP,
    manager: project.manager,
    installImage: plan.baseDigests[plan.images.install.ref] ?? plan.images.install.ref,
    runtime:
      plan.images.run.ref === plan.images.install.ref ? '' : describeNodeRuntime(plan.images.run.runtime),
    platform: plan.images.install.runtime.platform ?? '',
    workspace: inProject(project, analysis.serviceDir),
    locked: (includeDev ? analysis.lockedWithDev : undefined) ?? analysis.locked,
    installFiles: { ...analysis.installFiles, ...codeFiles(analysis, installNeedsCode(plan, includeDev)) },
    ignoreScripts: plan.ignoreScripts,
    env: plan.keyEnv,
  });
}

/** Whether the project's own scripts run in this install, which then needs the app's code. */
export function installNeedsCode(plan: InstallPlan, includeDev: boolean): boolean {
  const { analysis } = plan;
  return (
    !plan.ignoreScripts && (includeDev ? analysis.projectDevInstallScripts : analysis.projectInstallScripts)
  );
}

/** The install of the service's dependencies (`includeDev`: a build script's too). */
export function serviceInstall(plan: InstallPlan, includeDev: boolean): InstallCommand {
  const { project, dependsOn, prodDependsOn } = plan.analysis;
  return installCommand(project.manager, {
    workspace: project.workspace,
    // Yarn 1 installs the dependencies of every workspace it is given (see installCommand).
    dependsOn: includeDev ? dependsOn : prodDependsOn,
    root: project.root,
    rootManifest: project.rootManifest,
    includeDev,
    ignoreScripts: plan.ignoreScripts,
  });
}

/**
 * With the project's own install scripts (a root `postinstall`, a workspace's `prepare`) the
 * install needs the code they run: then its folders are install inputs too, and the layer is
 * made again when they change.
 */
function codeFiles(analysis: NodeAnalysis, needsCode: boolean): Record<string, string> {
  if (!needsCode) return {};
  const { tree } = analysis;
  return Object.fromEntries(appFolders(analysis).map((dir) => [`${dir || '.'}/`, tree.get(dir)?.oid ?? '']));
}

/**
 * The folders the app is made of: the project of its own, or the service and the workspaces it
 * uses; then the paths their committed links point to (`NodeAnalysis.linked`).
 */
export function appFolders(analysis: NodeAnalysis): string[] {
  return [...ownFolders(analysis.project, analysis.serviceDir, analysis.dependsOn), ...analysis.linked];
}

async function installDependencies(plan: InstallPlan, ctx: ToolBuildContext): Promise<MadeLayer> {
  const { analysis } = plan;
  const { project } = analysis;
  const cmd = serviceInstall(plan, false);
  const hostDir = join(ctx.workDir, 'node-install');
  await writeInstallInputs(plan, hostDir, false, cmd.rootManifest);
  const workspaces = [project.workspace, ...analysis.prodDependsOn].flatMap((w) =>
    w === undefined ? [] : [w.dir],
  );
  const result = await ctx.runStep({
    image: plan.images.install.ref,
    cmd: [...plan.images.manager, ...cmd.argv.slice(1)],
    ...installEnvironment(plan, true),
    workingDir: APP,
    folders: [{ hostDir, containerPath: APP }],
    label: `service "${plan.service}": ${project.manager} install`,
    collect: {
      paths: ['', ...workspaces.map((d) => inProject(project, d))].map(
        (d) => `${APP}/${inFolder(d, 'node_modules')}`,
      ),
      inMemory: true,
    },
    secretFiles: plan.secretFiles,
    hint: installHint(plan),
  });
  const collected = result.collected ?? { entries: [], close: async () => undefined };
  const bins = binFolders(analysis).map((d) => `${d.slice(1)}/`);
  const notes = {
    commands: collected.entries.flatMap((e) => {
      const dir = bins.find((d) => e.path.startsWith(d));
      return dir !== undefined && !e.path.includes('/', dir.length) ? [e.path.slice(dir.length)] : [];
    }),
    installScripts:
      project.manager === 'npm'
        ? lockedInstallScripts(analysis.locked)
        : await installedInstallScripts(collected.entries),
    ...(project.manager === 'pnpm' ? { ignoredBuilds: await pnpmIgnoredBuilds(collected.entries) } : {}),
  };
  return { entries: collected.entries.filter(inLayer), notes, close: () => collected.close() };
}

/** Where an install puts the package managers' caches: a memory folder of its container. */
const PACKAGE_CACHE = '/tmp/package-cache';

/**
 * The settings that move the caches there: npm's for any manager (install scripts may run npm),
 * the others' only for them, since npm 11 warns about a setting it does not know (`Unknown env
 * config "store-dir"`) in every build's log.
 */
const CACHE_ENV: Readonly<Record<PackageManager, Record<string, string>>> = {
  npm: { npm_config_cache: PACKAGE_CACHE },
  yarn: { npm_config_cache: PACKAGE_CACHE, YARN_CACHE_FOLDER: PACKAGE_CACHE },
  pnpm: { npm_config_cache: PACKAGE_CACHE, npm_config_store_dir: PACKAGE_CACHE },
};

/**
 * An install step's environment, with the package managers' caches in memory: written into the
 * container's own layer, a cache of some hundred megabytes cost as long again to delete with the
 * container (14.6 s after a 52 s Yarn 1 install of a NestJS API here), and deleting that many
 * files slowed the file creations that followed. `env:` may name others; so may the install
 * image, whose own cache is then used (a cache it carries), but for a kept install
 * (`imageCacheToo: false`), which must not keep a cache in the image.
 */
export function installEnvironment(
  plan: InstallPlan,
  imageCacheToo: boolean,
): Pick<CodeStep, 'env' | 'memoryFolders'> {
  if (imageCacheToo && (plan.images.install.runtime.cacheSettings?.length ?? 0) > 0) return { env: plan.env };
  return {
    env: { ...CACHE_ENV[plan.analysis.project.manager], ...plan.env },
    memoryFolders: [PACKAGE_CACHE],
  };
}

/** The way out of a failed install, from its last lines. */
export function installHint(plan: InstallPlan): (lines: readonly string[]) => string | undefined {
  const image = plan.images.install.ref;
  return (lines) =>
    buildToolsHint(image)(lines) ??
    nodeHeadersHint(image)(lines) ??
    pnpmLockfileHint(image, plan.analysis.project.lockFile)(lines) ??
    prismaHint(image)(lines);
}

/** pnpm's records of the install itself (its time, the store's path) differ each time: not in the layer. */
const PNPM_STATE = /^app\/node_modules\/(\.modules\.yaml|\.pnpm-workspace-state(-v\d+)?\.json)$/;

function inLayer(e: LayerEntry): boolean {
  return !PNPM_STATE.test(e.path);
}

/** The packages pnpm installed without running their install scripts (pnpm 10: `ignoredBuilds`). */
async function pnpmIgnoredBuilds(entries: readonly LayerEntry[]): Promise<string[]> {
  const state = entries.find((e) => e.path === `${APP.slice(1)}/node_modules/.modules.yaml`);
  if (state === undefined || state.type !== 'file') return [];
  const doc = parse(await text(await state.content())) as { ignoredBuilds?: unknown } | null;
  return Array.isArray(doc?.ignoredBuilds) ? doc.ignoredBuilds.map(String).sort() : [];
}

/**
 * What the package manager reads, from the committed tree into `dir` (the project root): the
 * lock file, the manager's settings, every manifest of the project (so the lock file matches
 * them, as in a checkout), and, when the project runs install scripts of its own, its code.
 * For the production install (not `includeDev`) npm's workspace manifests are as installed.
 */
export async function writeInstallInputs(
  plan: InstallPlan,
  dir: string,
  includeDev: boolean,
  rootManifest: object | undefined,
): Promise<void> {
  const { analysis } = plan;
  const { tree, project } = analysis;
  const wanted = new Map<string, TreeEntry>();
  const add = (path: string) => {
    const e = tree.get(path);
    if (e?.type === 'blob') wanted.set(path, e);
  };
  for (const path of Object.keys(analysis.installFiles)) {
    add(path);
    // A `file:` dependency may be a folder.
    if (tree.get(path)?.type === 'tree') for (const e of tree.under(path)) add(e.path);
  }
  add(project.lockFile);
  for (const w of project.workspaces.values()) add(inFolder(w.dir, 'package.json'));
  if (installNeedsCode(plan, includeDev))
    for (const folder of appFolders(analysis)) {
      add(folder); // a linked file
      for (const e of tree.under(folder)) if (e.type === 'blob') wanted.set(e.path, e);
    }
  const asInstalled =
    project.manager === 'npm' && project.workspace !== undefined && !includeDev
      ? npmProductionInputs(project)
      : undefined;
  for await (const f of tree.contents([...wanted.values()])) {
    const file = join(dir, inProject(project, f.entry.path));
    makeDirectory(dirname(file));
    if (f.entry.mode === '120000') continue;
    const content = asInstalled?.(f.entry.path, f.content) ?? f.content;
    await writeFile(file, content, { mode: f.entry.mode === '100755' ? 0o755 : 0o644 });
  }
  if (rootManifest !== undefined)
    await writeFile(join(dir, 'package.json'), JSON.stringify(rootManifest, null, 2));
}
