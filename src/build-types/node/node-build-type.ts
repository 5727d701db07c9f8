import { OnceByKey } from '../../core/once-by-key.js';
import type { BaseImagesContext, BuildType, ServiceBuild } from '../build-type.js';
import {
  checkNodeSchema,
  envNamesOf,
  nodeBaseImage,
  nodeBuildImage,
  nodeKeyFields,
  nodeSchema,
  readNodeFields,
  type NodeFields,
} from './node-fields.js';
import type { NodeAnalysis } from './node-project.js';

/**
 * A Node.js service without a Dockerfile. Its image is the run image plus two layers of the
 * tool's own: the production dependencies, installed from the lock file by the package manager
 * in a container of the install image and kept under a key of what they are made of (so a
 * change to the app reuses them without running the package manager), then the app from the
 * committed tree (or as its build script left it) with the Procfile entrypoint. The build key
 * covers only the files the image is made of: in a monorepo a change to another service's
 * folder does not rebuild this one. Details: docs/build-types.md.
 */
export const nodeBuildType: BuildType = {
  name: 'node',
  schema: nodeSchema,
  check: checkNodeSchema,
  read(service, ctx) {
    const f = readNodeFields(service, ctx);
    return f === undefined ? undefined : nodeService(f, ctx.name);
  },
};

function nodeService(f: NodeFields, name: string): ServiceBuild {
  // The planner, the check and the build all read the project at one commit: once.
  const analyses = new OnceByKey<string, NodeAnalysis>();
  // The reading of lock files and the image work are imported when a node service first needs
  // them: a spec without one, or a build that reuses every last build, never loads them.
  const analyse = async (ctx: BaseImagesContext) =>
    analyses.get(ctx.commit, async () => {
      const { analyseNodeProject } = await import('./node-project.js');
      return analyseNodeProject(await ctx.tree(), f.context, name, f.buildScript !== undefined);
    });
  return {
    buildType: 'node',
    stepVersion: 'node-7',
    keyFields: nodeKeyFields(f),
    secrets: f.secrets ?? [],
    envNames: envNamesOf(f),
    extraSources: {},
    baseImages: async (ctx) => [...new Set([nodeBaseImage(f, ctx.images), nodeBuildImage(f, ctx.images)])],
    async sourceKey(ctx) {
      const a = await analyse(ctx);
      const { serviceKeyInputs } = await import('./service-key-inputs.js');
      return serviceKeyInputs(a.tree, a.project, a.dependsOn, a.lockedWithDev ?? a.locked, a.linked);
    },
    image: {
      kind: 'tool',
      async check(ctx) {
        const { checkStartBeforeSteps, installPlan } = await import('./node-image.js');
        await checkStartBeforeSteps(f, await installPlan(f, name, await analyse(ctx), ctx));
      },
      async assemble(ctx) {
        const { assembleNodeImage } = await import('./node-image.js');
        return assembleNodeImage(f, name, await analyse(ctx), ctx);
      },
    },
  };
}
