import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../../core/atomic-fs.js';
import { makeDirectory } from '../../core/make-directory.js';
import { UserError } from '../../core/user-error.js';
import type { AppImage, BuildType, ServiceBuild, ToolBuildContext } from '../build-type.js';
import { procfileSettings } from '../procfile/procfile-image.js';
import { parseProcfile, withDefaultProcesses } from '../procfile/procfile-entrypoint.js';
import { LOCK_FILES, nodeInstallCommand, type PackageManager } from './node-install-command.js';
import {
  checkNodeSchema,
  nodeBaseImage,
  nodeKeyFields,
  nodeSchema,
  readNodeFields,
  type NodeFields,
} from './node-fields.js';

/**
 * A Node.js service without a Dockerfile: the committed tree at `/app` on the base image,
 * production dependencies installed from the lock file present by a step in a container of the
 * base image, and the Procfile entrypoint, where `web` defaults to `npm start`. Two layers:
 * `node_modules` first, then the rest of the app and the entrypoint, so a change to the app
 * alone leaves the (usually much larger) dependency layer as it was and it is not uploaded again.
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
  return {
    buildType: 'node',
    stepVersion: 'node-2',
    keyFields: nodeKeyFields(f),
    secrets: f.secrets ?? [],
    extraSources: {},
    baseImages: async (ctx) => [nodeBaseImage(f, ctx.images)],
    image: { kind: 'tool', assemble: (ctx) => assembleNodeImage(f, name, ctx) },
  };
}

async function assembleNodeImage(f: NodeFields, name: string, ctx: ToolBuildContext): Promise<AppImage> {
  const from = nodeBaseImage(f, ctx.images);
  const procfile = await ctx.readFile('Procfile');
  const processes = withDefaultProcesses(procfile === undefined ? [] : parseProcfile(procfile, name), [
    { name: 'web', command: 'npm start' },
  ]);
  const appDir = join(ctx.workDir, 'node', 'app');
  await rm(join(ctx.workDir, 'node'), { recursive: true, force: true });
  makeDirectory(appDir);
  await ctx.exportTree('', appDir);
  const manager = await packageManager(name, ctx.commit, appDir);
  const install = nodeInstallCommand(manager, f.buildScript);
  await ctx.runStep({
    image: from,
    cmd: ['/bin/sh', '-c', install],
    workingDir: '/app',
    folders: [{ hostDir: appDir, containerPath: '/app' }],
    label: `service "${name}": ${manager} install`,
  });
  // NODE_ENV is set after installing, as on Heroku: frameworks read it at run time.
  const { entrypoint, settings } = procfileSettings(processes, { NODE_ENV: 'production' });
  return {
    base: from,
    layers: [
      {
        createdBy: `taskcluster-installer: /app/node_modules by ${install}`,
        sources: [{ kind: 'dir', at: 'app', dir: appDir, include: isDependency }],
      },
      {
        createdBy: `taskcluster-installer: /app at ${ctx.commit}, /entrypoint from the Procfile`,
        sources: [{ kind: 'dir', at: 'app', dir: appDir, include: (rel) => !isDependency(rel) }, entrypoint],
      },
    ],
    settings,
  };
}

const isDependency = (rel: string) => rel === 'node_modules' || rel.startsWith('node_modules/');

async function packageManager(name: string, commit: string, appDir: string): Promise<PackageManager> {
  for (const [file, manager] of LOCK_FILES) if (await exists(join(appDir, file))) return manager;
  throw new UserError({
    message: `service "${name}": no lock file at the repository root at commit ${commit}`,
    hint: `commit one of ${LOCK_FILES.map(([file]) => file).join(', ')}: the node build type installs exactly what it pins`,
  });
}
