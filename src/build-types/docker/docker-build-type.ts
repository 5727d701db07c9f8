import { posix } from 'node:path';
import { formatPath } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import type { ServiceReadContext } from '../../inputs/service-types.js';
import type { DockerBuilder } from '../../inputs/types.js';
import type { BaseImagesContext, BuildType, ServiceBuild } from '../build-type.js';
import { buildDockerImage } from './docker-image-build.js';
import { dockerfileBaseImages } from './dockerfile-base-images.js';
import { rewriteDockerfileImages } from './dockerfile-from-rewrite.js';
import {
  checkDockerSchema,
  contextOf,
  dockerfileOf,
  dockerKeyFields,
  dockerSchema,
  LEGACY_SECRETS,
  readDockerFields,
  type DockerFields,
} from './docker-fields.js';

/**
 * The `docker` build type: the repository's own Dockerfile, built by an engine from the
 * committed tree of `context` (never the working tree of a clone, so untracked files stay
 * out), with BuildKit unless the service or the build config says `builder: legacy`. The build
 * config's `images` map applies to the images the Dockerfile reads (`FROM`, `COPY --from=`,
 * `RUN --mount=from=`): the Dockerfile is built as rewritten, and its base images as rewritten
 * enter the build key.
 */
export const dockerBuildType: BuildType = {
  name: 'docker',
  schema: dockerSchema,
  check: checkDockerSchema,
  read: (service, ctx) => dockerService(readDockerFields(service, ctx), ctx),
};

type Where = Pick<ServiceReadContext, 'name' | 'index'>;

function dockerService(f: DockerFields, at: Where): ServiceBuild {
  const secrets = f.secrets ?? [];
  const withBuilder = (builder: DockerBuilder): ServiceBuild => {
    const build: ServiceBuild = {
      buildType: 'docker',
      // 2: BuildKit by default, and the images map applied to FROM lines.
      stepVersion: 'docker-2',
      keyFields: dockerKeyFields(f, builder),
      secrets,
      extraSources: {},
      baseImages: (ctx) => dockerfileImages(ctx, f, builder, at),
      image: {
        kind: 'engine',
        build: (ctx) =>
          buildDockerImage(ctx, {
            context: contextOf(f),
            dockerfile: dockerfileOf(f),
            builder,
            ...(f.buildArgs ? { buildArgs: f.buildArgs } : {}),
            ...(f.target !== undefined ? { target: f.target } : {}),
          }),
      },
      configure(config, report) {
        if (f.builder !== undefined || config.docker.builder === builder) return build;
        if (config.docker.builder === 'legacy' && secrets.length > 0) {
          report(
            ['secrets'],
            `${LEGACY_SECRETS}, and the build config's docker.builder is legacy`,
            'set builder: buildkit on this service',
          );
        }
        return withBuilder(config.docker.builder);
      },
    };
    return build;
  };
  return withBuilder(f.builder ?? 'buildkit');
}

/**
 * The images the build reads from outside, after the `images` map: with BuildKit those of the
 * stages the target needs (`COPY --from=` and `RUN --mount=from=` images too), with the legacy
 * builder the `FROM` images of every stage up to the target.
 */
async function dockerfileImages(
  ctx: BaseImagesContext,
  f: DockerFields,
  builder: DockerBuilder,
  at: Where,
): Promise<string[]> {
  const fieldPath = (field: string) => formatPath(['repositories', at.index, 'service', field]);
  const path = posix.join(contextOf(f) || '.', dockerfileOf(f));
  const text = await ctx.readFile(path);
  if (text === undefined) {
    throw new UserError({
      path: fieldPath(f.dockerfile !== undefined ? 'dockerfile' : 'context'),
      message: `service "${at.name}": no Dockerfile at ${path} in commit ${ctx.commit}`,
    });
  }
  const mapped = rewriteDockerfileImages(text, ctx.images, f.buildArgs).text;
  const parsed = dockerfileBaseImages(mapped, {
    ...(f.buildArgs ? { buildArgs: f.buildArgs } : {}),
    ...(f.target !== undefined ? { target: f.target } : {}),
    neededOnly: builder === 'buildkit',
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
}
