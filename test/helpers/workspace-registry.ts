import { after, before } from 'node:test';
import { ensureNodeToolsImage } from './node-tools-image.js';
import { dockerBridgeHost, startNpmRegistry, type NpmRegistry } from './npm-registry.js';
import { removeImages } from './remove-images.js';
import { tempDir } from './temp-dir.js';
import { workspacePackages } from './two-service-workspaces.js';

/** What a test file of the workspace tests gets, once its `before` hook has run. */
export interface WorkspaceRegistry {
  registry: NpmRegistry;
  dir: string;
}

/**
 * For a test file: the workspace packages in a real npm registry that listens on the host's
 * address on Docker's bridge, which the install steps' containers reach (the default path, no
 * host networking), the image with npm, yarn and pnpm, and a temp dir named `dirPrefix…`;
 * afterwards the registry stops and the images under `imagePrefix` are removed.
 */
export function useWorkspaceRegistry(dirPrefix: string, imagePrefix: string): WorkspaceRegistry {
  const fixture = {} as WorkspaceRegistry;
  before(async () => {
    ensureNodeToolsImage();
    fixture.registry = await startNpmRegistry(dockerBridgeHost());
    await fixture.registry.publish(workspacePackages());
    fixture.dir = await tempDir(dirPrefix);
  });
  after(async () => {
    await fixture.registry.stop();
    removeImages(`${imagePrefix}*`);
  });
  return fixture;
}
