import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../../core/atomic-fs.js';
import { UserError } from '../../core/user-error.js';
import type { NodeService, ServiceRepository } from '../../spec/types.js';
import type { BaseImagesContext, BuildTypeHandler, ImageBuildContext } from './build-type.js';
import { LOCK_FILES, nodeInstallCommand, type PackageManager } from './node-install-command.js';
import { parseProcfile, withDefaultProcesses } from './procfile-entrypoint.js';
import { buildProcfileImage } from './procfile-image-context.js';

function nodeService(service: ServiceRepository): NodeService {
  if (service.service.buildType !== 'node') {
    throw new Error(`internal error: ${service.name} is not a node service`);
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

async function packageManager(ctx: ImageBuildContext, appDir: string): Promise<PackageManager> {
  for (const [file, manager] of LOCK_FILES) if (await exists(join(appDir, file))) return manager;
  throw new UserError({
    message: `service "${ctx.service.name}": no lock file at the repository root at commit ${ctx.commit}`,
    hint: `commit one of ${LOCK_FILES.map(([f]) => f).join(', ')}: the node build type installs exactly what it pins`,
  });
}

/**
 * A Node.js service without a Dockerfile: the committed tree at `/app` on the base image,
 * production dependencies installed inside the image build from the lock file present, and the
 * Procfile entrypoint, where `web` defaults to `npm start`.
 */
export const nodeBuildType: BuildTypeHandler = {
  stepVersion: 'node-1',

  async baseImages(ctx: BaseImagesContext): Promise<string[]> {
    return [baseImage(ctx.service, ctx.images)];
  },

  async build(ctx: ImageBuildContext): Promise<void> {
    const from = baseImage(ctx.service, ctx.images);
    const procfile = await ctx.readFile('Procfile');
    const processes = withDefaultProcesses(
      procfile === undefined ? [] : parseProcfile(procfile, ctx.service.name),
      [{ name: 'web', command: 'npm start' }],
    );

    const imageDir = join(ctx.workDir, 'node');
    await rm(imageDir, { recursive: true, force: true });
    await mkdir(join(imageDir, 'app'), { recursive: true });
    await ctx.exportTree('', join(imageDir, 'app'));
    const manager = await packageManager(ctx, join(imageDir, 'app'));

    await buildProcfileImage(
      ctx,
      imageDir,
      {
        from,
        run: [nodeInstallCommand(manager, nodeService(ctx.service).buildScript)],
        // Set after installing, as on Heroku: frameworks read it at run time.
        env: { NODE_ENV: 'production' },
        processes,
      },
      `image from ${from} (${manager} install)`,
    );
  },
};
