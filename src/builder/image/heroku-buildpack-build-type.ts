import { appendFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError, InternalError } from '../../core/user-error.js';
import type { HerokuBuildpackService, ServiceRepository } from '../../inputs/types.js';
import type {
  AppBuildContext,
  AppBuildTypeHandler,
  AppImage,
  BaseImagesContext,
  StepFolder,
} from './build-type.js';
import { parseProcfile } from './procfile-entrypoint.js';
import { procfileSettings } from './procfile-image.js';

/** The uid and gid that run the buildpack: never root. */
const BUILD_UID = 1000;

interface StackImages {
  stack: string;
  build: string;
  run: string;
}

function herokuService(service: ServiceRepository): HerokuBuildpackService {
  if (service.service.buildType !== 'heroku-buildpack') {
    throw new InternalError(`${service.name} is not a heroku-buildpack service`);
  }
  return service.service;
}

/** `heroku-<N>` → `heroku/heroku:<N>-build` and `heroku/heroku:<N>`, each replaceable via `images`. */
function stackImages(service: ServiceRepository, images: Record<string, string>): StackImages {
  const { stack } = herokuService(service);
  const n = /^heroku-(\d+)$/.exec(stack)?.[1];
  if (n === undefined) {
    throw new UserError({
      path: `repositories[${service.index}].service.stack`,
      message: `service "${service.name}": stack "${stack}" is not of the form heroku-<N>`,
      hint: 'e.g. heroku-16; the build config can map its images (heroku/heroku:16-build, heroku/heroku:16) through `images`',
    });
  }
  const map = (ref: string) => images[ref] ?? ref;
  return { stack, build: map(`heroku/heroku:${n}-build`), run: map(`heroku/heroku:${n}`) };
}

async function readProcfile(ctx: AppBuildContext): Promise<ReturnType<typeof parseProcfile>> {
  const text = await ctx.readFile('Procfile');
  if (text === undefined) {
    throw new UserError({
      file: 'Procfile',
      message: `service "${ctx.service.name}": the repository has no Procfile at commit ${ctx.commit}`,
      hint: 'the image runs processes named in a Procfile at the repository root, e.g. `web: npm start`',
    });
  }
  return parseProcfile(text, ctx.service.name);
}

/**
 * The classic buildpack API: `bin/detect <app>` and `bin/compile <app> <cache> <env>` run in
 * the stack's build image, as uid/gid 1000 (never root), on a copy of the committed tree at
 * `/app` (so paths the buildpack writes are the paths the app runs at). The per-service cache
 * directory is `/cache` and so persists between builds. The image is the run image plus one
 * layer: the compiled `/app` and an entrypoint generated from the Procfile.
 */
export const herokuBuildpackBuildType: AppBuildTypeHandler = {
  kind: 'app',
  stepVersion: 'heroku-buildpack-2',

  async baseImages(ctx: BaseImagesContext): Promise<string[]> {
    const { build, run } = stackImages(ctx.service, ctx.images);
    return [build, run];
  },

  async assemble(ctx: AppBuildContext): Promise<AppImage> {
    const images = stackImages(ctx.service, ctx.images);
    const processes = await readProcfile(ctx);
    const buildpack = ctx.extraSources['buildpack'];
    if (buildpack === undefined) throw new InternalError(`no buildpack source for ${ctx.service.name}`);

    // Leftovers of an interrupted run must not leak into this build.
    const buildDir = join(ctx.workDir, 'heroku-buildpack');
    await rm(buildDir, { recursive: true, force: true });
    const dirs = {
      app: join(buildDir, 'app'),
      buildpack: join(buildDir, 'buildpack'),
      env: join(buildDir, 'env'),
    };
    for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
    if (ctx.noCache) await rm(ctx.cacheDir, { recursive: true, force: true });
    await mkdir(ctx.cacheDir, { recursive: true });
    await ctx.exportTree('', dirs.app);
    await buildpack.exportTree('', dirs.buildpack);
    await mkdir(dirname(ctx.logFile), { recursive: true });

    const run = async (step: string, cmd: string[], folders: StepFolder[], hint?: string) => {
      await appendFile(ctx.logFile, `-----> ${cmd.join(' ')}\n`);
      try {
        await ctx.runStep({
          image: images.build,
          cmd,
          user: `${BUILD_UID}:${BUILD_UID}`,
          workingDir: '/app',
          env: { STACK: images.stack, SOURCE_VERSION: ctx.commit, HOME: '/app' },
          folders: [{ hostDir: dirs.buildpack, containerPath: '/buildpack', readOnly: true }, ...folders],
          label: `service "${ctx.service.name}": ${step}`,
        });
      } catch (e) {
        if (!(e instanceof UserError) || hint === undefined) throw e;
        const problems = e.problems.map((p) => ({ ...p, hint: [hint, p.hint].filter(Boolean).join('; ') }));
        throw new UserError(problems, { exitCode: e.exitCode, details: e.details, cause: e });
      }
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
  },
};
