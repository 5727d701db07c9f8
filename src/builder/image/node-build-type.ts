import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../../core/atomic-fs.js';
import { UserError, InternalError } from '../../core/user-error.js';
import type { NodeService, ServiceRepository } from '../../inputs/types.js';
import type { AppBuildContext, AppBuildTypeHandler, AppImage, BaseImagesContext } from './build-type.js';
import { LOCK_FILES, nodeInstallCommand, type PackageManager } from './node-install-command.js';
import { procfileSettings } from './procfile-image.js';
import { parseProcfile, withDefaultProcesses } from './procfile-entrypoint.js';

function nodeService(service: ServiceRepository): NodeService {
  if (service.service.buildType !== 'node') {
    throw new InternalError(`${service.name} is not a node service`);
  }
  return service.service;
}

/** `baseImage`, else `node:<node>`, then mapped through the build config's `images`. */
function baseImage(service: ServiceRepository, images: Record<string, string>): string {
  const { node, baseImage } = nodeService(service);
  const ref = baseImage ?? (node !== undefined ? `node:${node}` : undefined);
  if (ref === undefined) {
    throw new UserError({
      path: `repositories[${service.index}].service`,
      message: `service "${service.name}": a node service needs \`node\` (a major version) or \`baseImage\``,
    });
  }
  return images[ref] ?? ref;
}

async function packageManager(ctx: AppBuildContext, appDir: string): Promise<PackageManager> {
  for (const [file, manager] of LOCK_FILES) if (await exists(join(appDir, file))) return manager;
  throw new UserError({
    message: `service "${ctx.service.name}": no lock file at the repository root at commit ${ctx.commit}`,
    hint: `commit one of ${LOCK_FILES.map(([f]) => f).join(', ')}: the node build type installs exactly what it pins`,
  });
}

const isDependency = (rel: string) => rel === 'node_modules' || rel.startsWith('node_modules/');

/**
 * A Node.js service without a Dockerfile: the committed tree at `/app` on the base image,
 * production dependencies installed from the lock file present by a step in a container of the
 * base image, and the Procfile entrypoint, where `web` defaults to `npm start`. Two layers:
 * `node_modules` first, then the rest of the app and the entrypoint, so a change to the app
 * alone leaves the (usually much larger) dependency layer as it was and it is not uploaded again.
 */
export const nodeBuildType: AppBuildTypeHandler = {
  kind: 'app',
  stepVersion: 'node-2',

  async baseImages(ctx: BaseImagesContext): Promise<string[]> {
    return [baseImage(ctx.service, ctx.images)];
  },

  async assemble(ctx: AppBuildContext): Promise<AppImage> {
    const from = baseImage(ctx.service, ctx.images);
    const procfile = await ctx.readFile('Procfile');
    const processes = withDefaultProcesses(
      procfile === undefined ? [] : parseProcfile(procfile, ctx.service.name),
      [{ name: 'web', command: 'npm start' }],
    );

    const appDir = join(ctx.workDir, 'node', 'app');
    await rm(join(ctx.workDir, 'node'), { recursive: true, force: true });
    await mkdir(appDir, { recursive: true });
    await ctx.exportTree('', appDir);
    const manager = await packageManager(ctx, appDir);
    const install = nodeInstallCommand(manager, nodeService(ctx.service).buildScript);
    await ctx.runStep({
      image: from,
      cmd: ['/bin/sh', '-c', install],
      workingDir: '/app',
      folders: [{ hostDir: appDir, containerPath: '/app' }],
      label: `service "${ctx.service.name}": ${manager} install`,
    });
    const { entrypoint, settings } = procfileSettings(processes, {
      // Set after installing, as on Heroku: frameworks read it at run time.
      NODE_ENV: 'production',
    });
    return {
      base: from,
      layers: [
        {
          createdBy: `taskcluster-installer: /app/node_modules by ${install}`,
          sources: [{ kind: 'dir', at: 'app', dir: appDir, include: isDependency }],
        },
        {
          createdBy: `taskcluster-installer: /app at ${ctx.commit}, /entrypoint from the Procfile`,
          sources: [
            { kind: 'dir', at: 'app', dir: appDir, include: (rel) => !isDependency(rel) },
            entrypoint,
          ],
        },
      ],
      settings,
    };
  },
};
