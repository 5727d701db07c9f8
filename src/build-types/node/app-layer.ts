import { symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeDirectory } from '../../core/make-directory.js';
import type { CodeStep, ToolBuildContext } from '../build-type.js';
import { gitEntries } from '../git-tree-entries.js';
import { shQuote } from '../../core/sh-quote.js';
import {
  APP,
  appFolders,
  installHint,
  installKey,
  installEnvironment,
  serviceInstall,
  writeInstallInputs,
  type InstallPlan,
} from './dependency-layer.js';
import { isDevCommandsFile, takeDevCommands, writeDevCommands, type BuiltApp } from './dev-commands.js';
import { isStagedClient, placeGeneratedClients, stageGeneratedClients } from './generated-client.js';
import type { InstallCommand } from './install-command.js';
import { prismaHint } from './prisma-hint.js';
import { inFolder, inProject, type NodeAnalysis } from './node-project.js';

/** A path with a `node_modules` folder in it: the dependency layer's, never the app's. */
const DEPENDENCIES = /(^|\/)node_modules(\/|$)/;

/** Where a repository path of the project is in the image or a step's container: `/app/…`, no trailing slash. */
function inApp(project: NodeAnalysis['project'], path: string): string {
  return `${APP}/${inProject(project, path)}`.replace(/\/$/, '');
}

/**
 * The app as committed, for its layer: the project's root manifest, and the service's folder
 * with those of the workspaces it uses (or, for a project of its own, its whole folder), under
 * `/app` as in the project, without any committed `node_modules`. Streamed from git.
 */
export function committedApp(analysis: NodeAnalysis): ReturnType<typeof gitEntries> {
  const { project, tree } = analysis;
  const paths = [inFolder(project.root, 'package.json'), ...appFolders(analysis)];
  return gitEntries(
    tree,
    paths,
    (p) => inApp(project, p).slice(1),
    (p) => DEPENDENCIES.test(p),
  );
}

/** The repository paths the app layer is made of: their last change dates it. */
export function appPaths(analysis: NodeAnalysis): string[] {
  return [inFolder(analysis.project.root, 'package.json'), ...appFolders(analysis)];
}

/**
 * With a build script: the committed app and every dependency (dev ones too, since build tools
 * usually are) in a container, the script run in the service's folder, and the app as the
 * script left it (without any `node_modules`) collected for the app layer. On a Docker engine
 * the dependencies are installed once per install key into a kept image (`buildDependencies`),
 * which the script's container starts from: a change to the app's code runs the script alone.
 * Under runc, one container of the install image installs and runs the script. The step also
 * says which commands the dev dependencies installed, for the start check.
 */
export async function builtApp(plan: InstallPlan, script: string, ctx: ToolBuildContext): Promise<BuiltApp> {
  const { analysis } = plan;
  const { project } = analysis;
  const install = serviceInstall(plan, true);
  const manager = plan.images.manager.map(shQuote).join(' ');
  const installs = [manager, ...install.argv.slice(1).map(shQuote)].join(' ');
  const key = installKey(plan, true);
  const kept = await ctx.keptImage(key, () => buildDependencies(plan, install, ctx));
  if (kept !== undefined)
    ctx.onLine(
      kept.reused
        ? `build dependencies: image ${key} reused, ${project.manager} not run`
        : `build dependencies: image ${key} installed by ${project.manager}`,
    );
  const hostDir = join(ctx.workDir, 'node-build');
  await writeApp(analysis, hostDir, install.rootManifest);
  const serviceDir = inApp(project, analysis.serviceDir);
  const dependencyFolders = [...new Set([APP, ...appFolders(analysis).map((d) => inApp(project, d))])];
  const command = [
    ...(kept === undefined ? [installs] : []),
    `cd ${shQuote(serviceDir)}`,
    `${manager} run ${shQuote(script)}`,
    writeDevCommands([APP, serviceDir]),
    stageGeneratedClients(dependencyFolders),
  ].join(' && ');
  const result = await ctx.runStep({
    image: kept?.ref ?? plan.images.install.ref,
    cmd: ['/bin/sh', '-c', command],
    env: plan.env,
    workingDir: APP,
    folders: [{ hostDir, containerPath: APP }],
    label: `service "${plan.service}": ${project.manager} run ${script}`,
    collect: {
      paths: [APP],
      exclude: (path) => !isDevCommandsFile(path) && !isStagedClient(path) && notInApp(analysis)(path),
      leaveOut: ['node_modules'],
    },
    secretFiles: plan.secretFiles,
    hint: prismaHint(plan.images.install.ref),
  });
  const built = await takeDevCommands(result.collected ?? { entries: [], close: async () => undefined });
  return { ...built, entries: placeGeneratedClients(built.entries, dependencyFolders) };
}

/**
 * The step that installs every dependency of the service (dev ones too) for its build script,
 * in a container of the install image that is then kept as an image: the install inputs only
 * (with the code when the project's own install scripts need it), the caches in memory.
 */
async function buildDependencies(
  plan: InstallPlan,
  install: InstallCommand,
  ctx: ToolBuildContext,
): Promise<CodeStep> {
  const { project } = plan.analysis;
  const hostDir = join(ctx.workDir, 'node-build-dependencies');
  await writeInstallInputs(plan, hostDir, true, install.rootManifest);
  return {
    image: plan.images.install.ref,
    cmd: [...plan.images.manager, ...install.argv.slice(1)],
    ...installEnvironment(plan, false),
    workingDir: APP,
    folders: [{ hostDir, containerPath: APP, readOnly: true }],
    label: `service "${plan.service}": ${project.manager} install for the build script`,
    secretFiles: plan.secretFiles,
    hint: installHint(plan),
  };
}

/**
 * What of the build container's `/app` is not the app layer's: `node_modules`, and whatever lies
 * outside the app's paths (`appPaths`). The step is given every workspace's manifest and the
 * whole lock file, which change with other services; in the image they would make its content
 * differ under one build key, which covers only the app's paths and its part of the lock file.
 */
function notInApp(analysis: NodeAnalysis): (path: string) => boolean {
  const kept = appPaths(analysis).map((p) => inApp(analysis.project, p).slice(1));
  return (path) =>
    DEPENDENCIES.test(path) ||
    !kept.some((k) => path === k || path.startsWith(`${k}/`) || k.startsWith(`${path}/`));
}

/** The committed app, the lock file and the manager's settings, written into `dir` for the build step. */
async function writeApp(
  analysis: NodeAnalysis,
  dir: string,
  rootManifest: object | undefined,
): Promise<void> {
  const { project, tree } = analysis;
  const extra = [project.lockFile, ...Object.keys(analysis.installFiles)];
  const paths = [
    ...appPaths(analysis),
    ...extra,
    ...[...project.workspaces.values()].map((w) => inFolder(w.dir, 'package.json')),
  ];
  for await (const e of gitEntries(
    tree,
    [...new Set(paths)],
    (p) => inProject(project, p) || '.',
    (p) => DEPENDENCIES.test(p),
  )) {
    const file = join(dir, e.path);
    if (e.type === 'directory') makeDirectory(file);
    else if (e.type === 'symlink') {
      makeDirectory(dirname(file));
      await symlink(e.linkname, file);
    } else {
      makeDirectory(dirname(file));
      await writeFile(file, (await e.content()) as Buffer, { mode: e.executable ? 0o755 : 0o644 });
    }
  }
  if (rootManifest !== undefined)
    await writeFile(join(dir, 'package.json'), JSON.stringify(rootManifest, null, 2));
}
