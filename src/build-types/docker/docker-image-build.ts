import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory } from '../../core/make-directory.js';
import type { DockerBuilder } from '../../inputs/types.js';
import type { EngineBuildContext } from '../build-type.js';
import { rewriteDockerfileImages } from './dockerfile-from-rewrite.js';

/** What one `docker` service builds: read from its fields. */
export interface DockerImageSpec {
  /** A folder of the repository ('' for its root). */
  context: string;
  /** The Dockerfile's path inside the context. */
  dockerfile: string;
  buildArgs?: Record<string, string>;
  target?: string;
  builder: DockerBuilder;
}

/**
 * Builds a `docker` service: the committed tree of its context exported into the work dir
 * (never a clone's working tree), the Dockerfile rewritten by the build config's `images` map,
 * the context packed as the docker CLI packs it, then built by BuildKit or the legacy builder.
 * The export is removed afterwards, built or not. The BuildKit client and the packer are
 * loaded here, on the first build, so a build with nothing to do never loads gRPC.
 */
export async function buildDockerImage(ctx: EngineBuildContext, spec: DockerImageSpec): Promise<void> {
  const contextDir = join(ctx.workDir, 'docker-context');
  // A killed earlier run may have left a context behind: start from nothing.
  await rm(contextDir, { recursive: true, force: true });
  makeDirectory(contextDir);
  try {
    await ctx.exportTree(spec.context, contextDir);
    const dockerfilePath = join(contextDir, spec.dockerfile);
    const written = await readFile(dockerfilePath, 'utf8');
    const dockerfileText = rewriteDockerfileImages(written, ctx.images, spec.buildArgs).text;
    if (dockerfileText !== written) await writeFile(dockerfilePath, dockerfileText);
    const { packBuildContext } = await import('./pack-build-context.js');
    const context = await packBuildContext(contextDir, spec.dockerfile, {
      forBuildkit: spec.builder === 'buildkit',
    });
    const build = {
      dockerfile: spec.dockerfile,
      ...(spec.buildArgs ? { buildArgs: spec.buildArgs } : {}),
      ...(spec.target !== undefined ? { target: spec.target } : {}),
    };
    if (spec.builder === 'legacy') {
      await ctx.buildImage({ ...build, context });
      return;
    }
    const { buildkitBuild } = await import('./buildkit-build.js');
    await ctx.buildOnEngine(async (engine) => {
      const result = await buildkitBuild({
        ...build,
        dial: engine.dial,
        engine: engine.name,
        context,
        dockerfileText,
        tag: engine.tag,
        label: engine.label,
        ...(engine.cacheFrom.length > 0 ? { cacheFrom: [...engine.cacheFrom] } : {}),
        inlineCache: engine.inlineCache,
        registryAuth: engine.registryLogin,
        secrets: ctx.secrets,
        noCache: ctx.noCache,
        logFile: ctx.logFile,
        onLine: ctx.onLine,
        redact: ctx.redact,
        signal: ctx.signal,
      });
      return result.imageId;
    });
  } finally {
    await rm(contextDir, { recursive: true, force: true });
  }
}
