import { rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { makeDirectory } from '../../core/make-directory.js';
import { formatPath } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import type { ServiceReadContext } from '../../inputs/service-types.js';
import type { BaseImagesContext, BuildType, EngineBuildContext, ServiceBuild } from '../build-type.js';
import { dockerfileBaseImages } from './dockerfile-base-images.js';
import {
  checkDockerSchema,
  contextOf,
  dockerfileOf,
  dockerKeyFields,
  dockerSchema,
  readDockerFields,
  type DockerFields,
} from './docker-fields.js';

/**
 * The `docker` build type: the repository's own Dockerfile, built by an engine from the
 * committed tree of `context` (never the working tree of a clone, so untracked files stay
 * out). A Dockerfile's `FROM` lines are the repository's business: the build config's `images`
 * map does not apply to them.
 */
export const dockerBuildType: BuildType = {
  name: 'docker',
  schema: dockerSchema,
  check: checkDockerSchema,
  read: (service, ctx) => dockerService(readDockerFields(service, ctx), ctx),
};

function dockerService(f: DockerFields, at: Pick<ServiceReadContext, 'name' | 'index'>): ServiceBuild {
  const context = contextOf(f);
  const dockerfile = dockerfileOf(f);
  const fieldPath = (field: string) => formatPath(['repositories', at.index, 'service', field]);
  return {
    buildType: 'docker',
    stepVersion: 'docker-1',
    keyFields: dockerKeyFields(f),
    secrets: f.secrets ?? [],
    extraSources: {},
    async baseImages(ctx: BaseImagesContext): Promise<string[]> {
      const path = posix.join(context || '.', dockerfile);
      const text = await ctx.readFile(path);
      if (text === undefined) {
        throw new UserError({
          path: fieldPath(f.dockerfile !== undefined ? 'dockerfile' : 'context'),
          message: `service "${at.name}": no Dockerfile at ${path} in commit ${ctx.commit}`,
        });
      }
      const parsed = dockerfileBaseImages(text, {
        ...(f.buildArgs ? { buildArgs: f.buildArgs } : {}),
        ...(f.target !== undefined ? { target: f.target } : {}),
      });
      if (f.target !== undefined && !parsed.stages.includes(f.target.toLowerCase())) {
        throw new UserError({
          path: fieldPath('target'),
          message: `service "${at.name}": ${path} has no build stage "${f.target}"`,
          hint:
            parsed.stages.length > 0
              ? `its stages: ${parsed.stages.join(', ')}`
              : 'it names no stages (FROM … AS name)',
        });
      }
      return parsed.baseImages;
    },
    image: {
      kind: 'engine',
      async build(ctx: EngineBuildContext): Promise<void> {
        const contextDir = join(ctx.workDir, 'docker-context');
        // A killed earlier run may have left a context behind: start from nothing.
        await rm(contextDir, { recursive: true, force: true });
        makeDirectory(contextDir);
        try {
          await ctx.exportTree(context, contextDir);
          await ctx.buildImage({
            contextDir,
            dockerfile,
            ...(f.buildArgs ? { buildArgs: f.buildArgs } : {}),
            ...(f.target !== undefined ? { target: f.target } : {}),
          });
        } finally {
          await rm(contextDir, { recursive: true, force: true });
        }
      },
    },
  };
}
