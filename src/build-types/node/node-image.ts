import { UserError } from '../../core/user-error.js';
import type { LayerEntry } from '../../inputs/oci-types.js';
import type { AppImage, CheckContext, ToolBuildContext } from '../build-type.js';
import {
  parseProcfile,
  withDefaultProcesses,
  type ProcfileProcess,
} from '../procfile/procfile-entrypoint.js';
import { procfileSettings } from '../procfile/procfile-image.js';
import { appPaths, builtApp, committedApp } from './app-layer.js';
import {
  APP,
  binFolders,
  dependencyLayer,
  type DependencyLayer,
  type InstallPlan,
} from './dependency-layer.js';
import { checkProcessCommands, type ProcessCommandsInput } from './process-commands.js';
import { nodeBaseImage, nodeBuildImage, resolvedEnv, type NodeFields } from './node-fields.js';
import type { BuiltApp } from './dev-commands.js';
import { managerPackage } from './manager-package.js';
import { DEV_ENGINES_HINT, devEnginesMismatches } from './dev-engines.js';
import { nodeImages, type NodeImages } from './node-images.js';
import { inFolder, inProject, type NodeAnalysis } from './node-project.js';
import { webProcess } from './web-process.js';

/** A build secret of this id is also npm's user config (npm, Yarn 1 and pnpm read it) in the install. */
const NPMRC_SECRET = 'npmrc';

/** Everything the install and build steps need, the images asked (and refused) first. */
export async function installPlan(
  f: NodeFields,
  name: string,
  analysis: NodeAnalysis,
  ctx: CheckContext | ToolBuildContext,
): Promise<InstallPlan> {
  checkBuildScript(f, name, analysis);
  const refs = { install: nodeBuildImage(f, ctx.images), run: nodeBaseImage(f, ctx.images) };
  const { project } = analysis;
  const npmPackage = managerPackage(
    project.manager,
    project.rootManifest.packageManager,
    analysis.lockVersion,
  );
  const images = await nodeImages(
    name,
    refs,
    { manager: project.manager, npmPackage },
    project.lockFile,
    ctx,
  );
  checkDevEngines(name, analysis, images.install, ctx.baseDigests);
  const secrets = 'secrets' in ctx ? ctx.secrets : new Map<string, Uint8Array>();
  const env: Record<string, string> = {
    // npm and pnpm would tell the build log to update them: the image's to change, not the step's.
    npm_config_update_notifier: 'false',
    ...resolvedEnv(f, ctx.env),
    ...(secrets.has(NPMRC_SECRET) ? { NPM_CONFIG_USERCONFIG: `/run/secrets/${NPMRC_SECRET}` } : {}),
    ...(images.manager[0] === 'corepack' ? { COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' } : {}),
  };
  return {
    service: name,
    analysis,
    images,
    ignoreScripts: f.ignoreScripts,
    keyEnv: f.env,
    env,
    secretFiles: secrets,
    baseDigests: ctx.baseDigests,
  };
}

/**
 * npm stops at once in an image whose npm or Node.js the project root's `devEngines` does not
 * accept, in the install, the build script and the image's `npm start` alike: said before any
 * step, with the ways out (it failed the install with npm's EBADDEVENGINES and no hint).
 */
function checkDevEngines(
  name: string,
  analysis: NodeAnalysis,
  image: NodeImages['install'],
  digests: Readonly<Record<string, string>>,
): void {
  const { project } = analysis;
  const npm = image.runtime.npm;
  if (project.manager !== 'npm' || npm === undefined) return;
  const [mismatch] = devEnginesMismatches(project.rootManifest.devEngines, { npm, node: image.runtime.node });
  if (mismatch === undefined) return;
  throw new UserError({
    file: inFolder(project.root, 'package.json'),
    path: `devEngines.${mismatch.field}`,
    message:
      `service "${name}": the image ${image.ref} (${digests[image.ref] ?? '?'}) has ${mismatch.have}, not the ` +
      `${mismatch.wanted} that devEngines asks for: npm refuses to install, run scripts or start the app with it (EBADDEVENGINES)`,
    hint: DEV_ENGINES_HINT,
  });
}

/**
 * A `buildScript` the service's package.json lacks fails before any step, not after a full
 * install of every dependency (some 20 s on NestJS's starter) with the manager's "Missing script".
 */
function checkBuildScript(f: NodeFields, name: string, analysis: NodeAnalysis): void {
  const script = f.buildScript;
  const scripts = analysis.manifest.scripts ?? {};
  if (script === undefined || typeof scripts[script] === 'string') return;
  const names = Object.keys(scripts).filter((s) => typeof scripts[s] === 'string');
  throw new UserError({
    message: `service "${name}": its buildScript "${script}" is not a script of ${inFolder(analysis.serviceDir, 'package.json')} at commit ${analysis.tree.commit.slice(0, 12)}`,
    hint: names.length > 0 ? `its scripts: ${names.join(', ')}` : 'it has no scripts',
  });
}

export async function assembleNodeImage(
  f: NodeFields,
  name: string,
  analysis: NodeAnalysis,
  ctx: ToolBuildContext,
): Promise<AppImage> {
  const plan = await installPlan(f, name, analysis, ctx);
  const { dependencies, built } = await dependenciesAndBuild(plan, f.buildScript, ctx);
  const serviceInProject = inProject(analysis.project, analysis.serviceDir);
  const files = built !== undefined ? new Set(built.entries.map((e) => e.path)) : undefined;
  const hasFile = (p: string) =>
    files !== undefined
      ? files.has(`${APP.slice(1)}/${inFolder(serviceInProject, p)}`)
      : committed(analysis, p);
  const processes = await checkStart(plan, hasFile, dependencies.commands, built, {
    buildScript: f.buildScript,
  });
  const workingDir = `${APP}/${serviceInProject}`.replace(/\/$/, '');
  // NODE_ENV is set after installing, as on Heroku: frameworks read it at run time. The
  // dependencies' commands come last on the PATH, as Heroku's Node.js buildpack puts them, so
  // a Procfile's `web: pm2-runtime app.js` finds them as `npm start` does.
  const { entrypoint, settings } = procfileSettings(processes, { NODE_ENV: 'production' }, workingDir);
  const app: Iterable<LayerEntry> | AsyncIterable<LayerEntry> = built?.entries ?? committedApp(analysis);
  const made = f.buildScript !== undefined ? ` as ${f.buildScript} left it` : '';
  return {
    base: plan.images.run.ref,
    layers: [
      {
        createdBy: `taskcluster-installer: production dependencies by ${analysis.project.manager}`,
        keyed: dependencies.layer,
      },
      {
        createdBy: `taskcluster-installer: ${workingDir}${made}, /entrypoint from the Procfile`,
        sources: [{ kind: 'entries', entries: app }, entrypoint],
      },
    ],
    settings: { ...settings, pathAppend: binFolders(analysis) },
    epoch: await ctx.lastChange(appPaths(analysis)),
    ...(built !== undefined ? { done: () => built.close() } : {}),
  };
}

/**
 * The start check before any step: the app's processes, as the committed files give them (with a
 * build script, its output is not known yet: `main`, `server.js` are taken as there), and, with
 * npm, whose lock file names every package's commands, a process that starts with a command of
 * the dev dependencies alone fails now, not after the build script (NestJS's `nest start`).
 */
export async function checkStartBeforeSteps(f: NodeFields, plan: InstallPlan): Promise<void> {
  const { analysis } = plan;
  const hasFile = f.buildScript !== undefined ? () => true : (p: string) => committed(analysis, p);
  const commands = analysis.productionCommands;
  if (commands === undefined) await processesOf(plan.service, analysis, hasFile);
  else await checkStart(plan, hasFile, commands, undefined, { byLockFile: true, buildScript: f.buildScript });
}

/** Whether the committed service folder has file `p`. */
function committed(analysis: NodeAnalysis, p: string): boolean {
  return analysis.tree.get(inFolder(analysis.serviceDir, p))?.type === 'blob';
}

/**
 * The service's processes (`processesOf`, with `hasFile`), checked by checkProcessCommands
 * against the production dependencies' commands (`installed`: in the layer, or `byLockFile`)
 * and the run image's; returns them.
 */
async function checkStart(
  plan: InstallPlan,
  hasFile: (pathInServiceFolder: string) => boolean,
  installed: ReadonlySet<string>,
  built: BuiltApp | undefined,
  opts: { byLockFile?: boolean; buildScript: string | undefined },
): Promise<ProcfileProcess[]> {
  const { analysis, service } = plan;
  const { processes, procfile } = await processesOf(service, analysis, hasFile);
  const manifestFile = inFolder(analysis.serviceDir, 'package.json');
  checkProcessCommands({
    service,
    processes,
    file: (p) => (procfile.some((q) => q === p) ? inFolder(analysis.serviceDir, 'Procfile') : manifestFile),
    manifestFile,
    scripts: analysis.manifest.scripts ?? {},
    installed,
    ...(opts.byLockFile === true ? { installedByLockFile: true } : {}),
    // npm's lock file names every command; a build's installed tree those of the dev dependencies.
    known: new Map([...(built?.devCommands ?? []), ...analysis.commands]),
    packages: new Set(analysis.locked.map((p) => p.name)),
    devPackages: analysis.devDependencies,
    ...runImageCommands(plan, built),
    ...runImageNpmRefusal(plan),
    ...(opts.buildScript !== undefined ? { buildScript: opts.buildScript } : {}),
  });
  return processes;
}

/**
 * Why the run image's npm refuses the project's scripts, when its `devEngines` does not accept
 * that npm or Node.js: `npm start` in the pod stops with EBADDEVENGINES. The install image is
 * checked before any step (checkDevEngines); a run image apart from it (`buildImage`), or any
 * image with Yarn or pnpm installing, is checked here.
 */
function runImageNpmRefusal(plan: InstallPlan): Pick<ProcessCommandsInput, 'npmRefusal'> {
  const { ref, runtime } = plan.images.run;
  if (runtime.npm === undefined) return {};
  const devEngines = plan.analysis.project.rootManifest.devEngines;
  const [mismatch] = devEnginesMismatches(devEngines, { npm: runtime.npm, node: runtime.node });
  if (mismatch === undefined) return {};
  return {
    npmRefusal: `which refuses to run scripts in the image ${ref}: it has ${mismatch.have}, not the ${mismatch.wanted} that devEngines asks for (EBADDEVENGINES)`,
  };
}

/**
 * The run image's commands for the start check, unless the app's `.profile.d` scripts, which
 * the entrypoint sources before a process starts, may change the PATH.
 */
function runImageCommands(
  plan: InstallPlan,
  built: BuiltApp | undefined,
): Pick<ProcessCommandsInput, 'image'> {
  const { ref, runtime } = plan.images.run;
  const { tree, project } = plan.analysis;
  const profile = `${APP.slice(1)}/.profile.d/`;
  const profiled =
    built !== undefined
      ? built.entries.some((e) => e.path.startsWith(profile))
      : tree.get(inFolder(project.root, '.profile.d')) !== undefined;
  if (runtime.commands === undefined || profiled) return {};
  return { image: { ref, commands: new Set(runtime.commands) } };
}

/**
 * The production dependency layer and the build script's output, made side by side: neither
 * needs the other, and both wait mostly on the registry. Both run to the end, so a failure of
 * one leaves no container of the other behind; the first failure is the build's.
 */
async function dependenciesAndBuild(
  plan: InstallPlan,
  buildScript: string | undefined,
  ctx: ToolBuildContext,
): Promise<{ dependencies: DependencyLayer; built: BuiltApp | undefined }> {
  const [dependencies, built] = await Promise.allSettled([
    dependencyLayer(plan, ctx),
    buildScript !== undefined ? builtApp(plan, buildScript, ctx) : undefined,
  ]);
  if (dependencies.status === 'fulfilled' && built.status === 'fulfilled')
    return { dependencies: dependencies.value, built: built.value };
  if (built.status === 'fulfilled') await built.value?.close();
  throw dependencies.status === 'rejected' ? dependencies.reason : (built as PromiseRejectedResult).reason;
}

/**
 * The Procfile's processes (in the service's folder), and `web` when it has none: what the
 * manifest says starts the app, checked against the app's files (`hasFile`, image paths) so an
 * app with no way to start fails the build, not the pod.
 */
async function processesOf(
  name: string,
  analysis: NodeAnalysis,
  hasFile: (pathInServiceFolder: string) => boolean,
): Promise<{ processes: ProcfileProcess[]; procfile: ProcfileProcess[] }> {
  const file = inFolder(analysis.serviceDir, 'Procfile');
  const text = await analysis.tree.readText(file);
  const procfile = text === undefined ? [] : parseProcfile(text, name, file);
  if (procfile.some((p) => p.name === 'web')) return { processes: procfile, procfile };
  const web = webProcess(name, analysis.manifest, hasFile);
  return { processes: withDefaultProcesses(procfile, [{ name: 'web', command: web.command }]), procfile };
}
