import { mkdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { formatPath } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import type { DockerService, ServiceRepository } from '../../inputs/types.js';
import type { BaseImagesContext, DaemonBuildTypeHandler, ImageBuildContext } from './build-type.js';
import { dockerfileBaseImages } from '../../build-types/docker/dockerfile-base-images.js';

/**
 * The `docker` build type: the repository's own Dockerfile, built by the legacy builder from
 * the committed tree of `context` (never the working tree of a clone, so untracked files stay
 * out). A Dockerfile's `FROM` lines are the repository's business: the build config's `images`
 * map does not apply to them.
 */
export const dockerBuildType: DaemonBuildTypeHandler = {
  kind: 'daemon',
  stepVersion: 'docker-1',

  async baseImages(ctx: BaseImagesContext): Promise<string[]> {
    const { svc, context, dockerfile } = fields(ctx.service);
    const path = posix.join(context || '.', dockerfile);
    const text = await ctx.readFile(path);
    if (text === undefined) {
      throw new UserError({
        path: formatPath([
          'repositories',
          ctx.service.index,
          'service',
          svc.dockerfile !== undefined ? 'dockerfile' : 'context',
        ]),
        message: `service "${ctx.service.name}": no Dockerfile at ${path} in commit ${ctx.commit}`,
      });
    }
    const parsed = dockerfileBaseImages(text, {
      ...(svc.buildArgs ? { buildArgs: svc.buildArgs } : {}),
      ...(svc.target !== undefined ? { target: svc.target } : {}),
    });
    if (svc.target !== undefined && !parsed.stages.includes(svc.target.toLowerCase())) {
      throw new UserError({
        path: formatPath(['repositories', ctx.service.index, 'service', 'target']),
        message: `service "${ctx.service.name}": ${path} has no build stage "${svc.target}"`,
        hint:
          parsed.stages.length > 0
            ? `its stages: ${parsed.stages.join(', ')}`
            : 'it names no stages (FROM … AS name)',
      });
    }
    return parsed.baseImages;
  },

  async build(ctx: ImageBuildContext): Promise<void> {
    const { svc, context, dockerfile } = fields(ctx.service);
    const contextDir = join(ctx.workDir, 'docker-context');
    // A killed earlier run may have left a context behind: start from nothing.
    await rm(contextDir, { recursive: true, force: true });
    await mkdir(contextDir, { recursive: true });
    try {
      await ctx.exportTree(context, contextDir);
      await ctx.engine.buildImage({
        contextDir,
        dockerfile,
        tag: ctx.tag,
        ...(svc.buildArgs ? { buildArgs: svc.buildArgs } : {}),
        ...(svc.target !== undefined ? { target: svc.target } : {}),
        noCache: ctx.noCache,
        logFile: ctx.logFile,
        onLine: ctx.onLine,
        signal: ctx.signal,
        label: `service "${ctx.service.name}": docker build`,
      });
    } finally {
      await rm(contextDir, { recursive: true, force: true });
    }
  },
};

/** The service's docker fields with defaults applied; paths that leave the repository are refused. */
function fields(service: ServiceRepository): { svc: DockerService; context: string; dockerfile: string } {
  const svc = service.service;
  if (svc.buildType !== 'docker') throw new Error(`internal error: ${service.name} is not a docker service`);
  const context = inside(service, 'context', svc.context ?? '');
  const dockerfile = inside(service, 'dockerfile', svc.dockerfile ?? 'Dockerfile');
  if (dockerfile === '') {
    throw new UserError({
      path: formatPath(['repositories', service.index, 'service', 'dockerfile']),
      message: 'must name a file inside the context',
    });
  }
  return { svc, context, dockerfile };
}

function inside(service: ServiceRepository, field: string, value: string): string {
  const normal = posix.normalize(value.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) {
    throw new UserError({
      path: formatPath(['repositories', service.index, 'service', field]),
      message: `"${value}" leaves the ${field === 'context' ? 'repository' : 'context'}`,
    });
  }
  return normal === '.' ? '' : normal;
}
