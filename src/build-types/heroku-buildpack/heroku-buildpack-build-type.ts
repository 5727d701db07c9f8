import { appendFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeDirectory } from '../../core/make-directory.js';
import { InternalError, UserError } from '../../core/user-error.js';
import type { AppImage, BuildType, ServiceBuild, StepFolder, ToolBuildContext } from '../build-type.js';
import { parseProcfile } from '../procfile/procfile-entrypoint.js';
import { procfileSettings } from '../procfile/procfile-image.js';
import {
  checkHerokuBuildpackSchema,
  herokuBuildpackSchema,
  readHerokuBuildpackFields,
  stackImages,
  type HerokuBuildpackFields,
} from './heroku-buildpack-fields.js';

/** The uid and gid that run the buildpack: never root. */
const BUILD_UID = 1000;

async function readProcfile(
  name: string,
  context: string,
  ctx: ToolBuildContext,
): Promise<ReturnType<typeof parseProcfile>> {
  const file = context === '' ? 'Procfile' : `${context}/Procfile`;
  const text = await ctx.readFile(file);
  if (text === undefined) {
    throw new UserError({
      file,
      message: `service "${name}": the repository has no ${file} at commit ${ctx.commit}`,
      hint: `the image runs processes named in a Procfile ${context === '' ? 'at the repository root' : `in ${context}`}, e.g. \`web: npm start\``,
    });
  }
  return parseProcfile(text, name, file);
}

/**
 * The classic buildpack API: `bin/detect <app>` and `bin/compile <app> <cache> <env>` run in
 * the stack's build image, as uid/gid 1000 (never root), on a copy of the committed tree at
 * `/app` (so paths the buildpack writes are the paths the app runs at). The per-service cache
 * directory is `/cache` and so persists between builds. The image is the run image plus one
 * layer: the compiled `/app` and an entrypoint generated from the Procfile.
 */
export const herokuBuildpackBuildType: BuildType = {
  name: 'heroku-buildpack',
  schema: herokuBuildpackSchema,
  check: checkHerokuBuildpackSchema,
  read(service, ctx) {
    const f = readHerokuBuildpackFields(service, ctx);
    return f === undefined ? undefined : herokuService(f, ctx);
  },
};

function herokuService(f: HerokuBuildpackFields, at: { name: string; index: number }): ServiceBuild {
  return {
    buildType: 'heroku-buildpack',
    stepVersion: 'heroku-buildpack-4',
    keyFields: { stack: f.stack, context: f.context || '.' },
    secrets: [],
    extraSources: { buildpack: f.buildpack },
    async baseImages(ctx) {
      const { build, run } = stackImages(f, ctx.images, at);
      return [build, run];
    },
    image: { kind: 'tool', assemble: (ctx) => assembleHerokuImage(f, at, ctx) },
  };
}

async function assembleHerokuImage(
  f: HerokuBuildpackFields,
  at: { name: string; index: number },
  ctx: ToolBuildContext,
): Promise<AppImage> {
  const { name } = at;
  const images = stackImages(f, ctx.images, at);
  const processes = await readProcfile(name, f.context, ctx);
  const buildpack = ctx.extraSources['buildpack'];
  if (buildpack === undefined) throw new InternalError(`no buildpack source for ${name}`);
  const dirs = await buildDirs(ctx, f.context, buildpack);
  const run = async (step: string, cmd: string[], folders: StepFolder[], hint?: string) => {
    await appendFile(ctx.logFile, `-----> ${cmd.join(' ')}\n`);
    await ctx.runStep({
      image: images.build,
      cmd,
      user: `${BUILD_UID}:${BUILD_UID}`,
      workingDir: '/app',
      env: { STACK: images.stack, SOURCE_VERSION: ctx.commit, HOME: '/app' },
      folders: [{ hostDir: dirs.buildpack, containerPath: '/buildpack', readOnly: true }, ...folders],
      label: `service "${name}": ${step}`,
      ...(hint !== undefined ? { hint: () => hint } : {}),
    });
  };
  await run(
    'bin/detect',
    ['/buildpack/bin/detect', '/app'],
    [{ hostDir: dirs.app, containerPath: '/app', readOnly: true }],
    'the buildpack does not recognise this app (its bin/detect exited non-zero)',
  );
  await run(
    'bin/compile',
    ['/buildpack/bin/compile', '/app', '/cache', '/env'],
    [
      { hostDir: dirs.app, containerPath: '/app' },
      { hostDir: ctx.cacheDir, containerPath: '/cache' },
      { hostDir: dirs.env, containerPath: '/env', readOnly: true },
    ],
  );
  // Heroku runs processes with HOME=/app; `.profile.d` scripts rely on it.
  const { entrypoint, settings } = procfileSettings(processes, { HOME: '/app' });
  return {
    base: images.run,
    layers: [
      {
        createdBy: `taskcluster-installer: /app at ${ctx.commit} compiled by buildpack ${buildpack.commit}, /entrypoint from the Procfile`,
        sources: [{ kind: 'dir', at: 'app', dir: dirs.app }, entrypoint],
      },
    ],
    settings,
  };
}

/** Fresh app, buildpack and env folders (leftovers of an interrupted run must not leak in), and the cache. */
async function buildDirs(
  ctx: ToolBuildContext,
  context: string,
  buildpack: { exportTree(subdir: string, dest: string): Promise<void> },
): Promise<{ app: string; buildpack: string; env: string }> {
  const buildDir = join(ctx.workDir, 'heroku-buildpack');
  await rm(buildDir, { recursive: true, force: true });
  const dirs = {
    app: join(buildDir, 'app'),
    buildpack: join(buildDir, 'buildpack'),
    env: join(buildDir, 'env'),
  };
  for (const dir of Object.values(dirs)) makeDirectory(dir);
  if (ctx.noCache) await rm(ctx.cacheDir, { recursive: true, force: true });
  makeDirectory(ctx.cacheDir);
  await ctx.exportTree(context, dirs.app);
  await buildpack.exportTree('', dirs.buildpack);
  makeDirectory(dirname(ctx.logFile));
  return dirs;
}
