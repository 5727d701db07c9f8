import type { ServiceBuild } from '../../build-types/build-type.js';
import type { Problem } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import type { ClusterSpec, ServiceRepository } from '../../inputs/types.js';
import type { BuildableService } from './service-plan.js';

/** `--target-service` names must exist; site build types of 2018 stop the build before any work. */
export function selectServices(spec: ClusterSpec<ServiceBuild>, targets: string[]): BuildableService[] {
  const services = spec.repositories.filter(
    (r): r is ServiceRepository<ServiceBuild> => r.kind === 'service',
  );
  const problems: Problem[] = [];
  for (const t of targets) {
    if (!services.some((s) => s.name === t)) {
      problems.push({
        message: `--target-service ${t}: no service of that name`,
        hint: `services in ${spec.files.build}: ${services.map((s) => s.name).join(', ') || '(none)'}`,
      });
    }
  }
  if (problems.length > 0) throw new UserError(problems, { exitCode: 2 });
  const selected = targets.length === 0 ? services : services.filter((s) => targets.includes(s.name));
  for (const s of selected) {
    if (isBuildable(s)) continue;
    problems.push({
      file: spec.files.build,
      path: `repositories[${s.index}].service.buildType`,
      message: `service "${s.name}" has the site build type "${s.service.buildType}", which this tool does not build`,
      hint: 'leave it out with --target-service, or give it a Dockerfile and buildType: docker',
    });
  }
  if (problems.length > 0) throw new UserError(problems);
  return selected.filter(isBuildable);
}

/** A service whose build type builds it: what its build type read, not a site build type. */
function isBuildable(s: ServiceRepository<ServiceBuild>): s is BuildableService {
  return 'image' in s.service;
}
