import type { ServiceBuild, ServiceRepository } from '../../src/inputs/types.js';
import type { GitRepo } from './git-repo.js';

/** A service entry of a spec as the loader makes it, for calling one build-type handler directly. */
export function serviceRepository(name: string, repo: GitRepo, service: ServiceBuild): ServiceRepository {
  return { kind: 'service', name, index: 0, source: { url: repo.url() }, raw: {}, service };
}
