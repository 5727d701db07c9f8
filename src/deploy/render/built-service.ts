import type { ClusterSpec } from '../../inputs/types.js';
import { UnknownServiceError } from './json-e-errors.js';
import { standInText } from './placeholder-values.js';

/**
 * The `builtService(name)` context function: the repository's `service` object as the release
 * holds it (with `dockerImage`, `buildKey`, `reproducible`, `imageDigest`). With `placeholders`, missing build results are
 * filled with stand-ins, so a spec that was never built can still be rendered by `validate`.
 */
export function builtServiceFunction(spec: ClusterSpec, placeholders: boolean): (name: unknown) => unknown {
  const services = new Map<string, Record<string, unknown>>();
  for (const repo of spec.repositories) {
    if (repo.kind !== 'service') continue;
    const raw = repo.raw['service'];
    const service = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    services.set(
      repo.name,
      placeholders
        ? {
            ...service,
            dockerImage: service['dockerImage'] ?? standInText(`image of ${repo.name}`),
            buildKey: service['buildKey'] ?? standInText(`build key of ${repo.name}`),
            imageDigest: service['imageDigest'] ?? standInText(`image digest of ${repo.name}`),
          }
        : service,
    );
  }
  return (name: unknown) => {
    const service = typeof name === 'string' ? services.get(name) : undefined;
    if (service !== undefined) return service;
    const known = [...services.keys()].sort().join(', ');
    throw new UnknownServiceError(
      `builtService(${JSON.stringify(name)}): no service of that name (services: ${known === '' ? 'none' : known})`,
    );
  };
}
