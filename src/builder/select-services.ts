import type { Problem } from '../core/problem.js';
import { UserError } from '../core/user-error.js';
import { BUILD_TYPES, type ClusterSpec, type ServiceRepository } from '../inputs/types.js';

/** `--target-service` names must exist; site build types of 2018 stop the build before any work. */
export function selectServices(spec: ClusterSpec, targets: string[]): ServiceRepository[] {
  const services = spec.repositories.filter((r): r is ServiceRepository => r.kind === 'service');
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
    if (!(BUILD_TYPES as readonly string[]).includes(s.service.buildType)) {
      problems.push({
        file: spec.files.build,
        path: `repositories[${s.index}].service.buildType`,
        message: `service "${s.name}" has the site build type "${s.service.buildType}", which this tool does not build`,
        hint: 'leave it out with --target-service, or give it a Dockerfile and buildType: docker',
      });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  return selected;
}
