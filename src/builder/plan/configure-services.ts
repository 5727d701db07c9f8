import { formatPath, type Problem } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import type { BuildConfig, ClusterSpec } from '../../inputs/types.js';
import type { ServiceBuild } from '../../build-types/build-type.js';
import type { BuildableService } from './service-plan.js';

/**
 * Each service's build as the build config sets it up (`ServiceBuild.configure`: a `docker`
 * service's builder from `docker.builder`), before any work; every problem of every service in
 * one error, naming the file, line and field.
 */
export function configureServices(
  spec: ClusterSpec<ServiceBuild>,
  services: readonly BuildableService[],
  config: Pick<BuildConfig, 'docker'>,
): BuildableService[] {
  const problems: Problem[] = [];
  const configured = services.map((s) => {
    if (s.service.configure === undefined) return s;
    const service = s.service.configure(config, (inside, message, hint) => {
      const path = ['repositories', s.index, 'service', ...inside];
      const line = spec.buildLineOf?.(path);
      problems.push({
        file: spec.files.build,
        ...(line !== undefined && { line }),
        path: formatPath(path),
        message: `service "${s.name}": ${message}`,
        ...(hint !== undefined && { hint }),
      });
    });
    return { ...s, service };
  });
  if (problems.length > 0) throw new UserError(problems);
  return configured;
}
