import { InternalError } from '../core/user-error.js';
import type { Emit } from '../core/events.js';
import type { ClusterSpec, ServiceRepository } from '../inputs/types.js';
import { resolveSources } from './source/resolve-sources.js';
import type { ResolvedSource, SourceRequest } from './source/source-request.js';

export interface ServiceSources {
  main(name: string): ResolvedSource;
  /** Extra sources of a service by field name, e.g. `{buildpack}`. */
  extra(name: string): Record<string, ResolvedSource>;
  /** `exactSource` of every repository, for the release. */
  exactSources(): Map<string, string>;
}

/**
 * Every repository's source (the release pins all of them, built or not) plus the buildpack of
 * each selected heroku-buildpack service, resolved in one batch so each remote is asked once.
 */
export async function resolveServiceSources(
  spec: ClusterSpec,
  selected: readonly ServiceRepository[],
  opts: { baseDir: string; signal: AbortSignal; emit: Emit; gitConcurrency: number },
): Promise<ServiceSources> {
  const requests: SourceRequest[] = spec.repositories.map((r) => ({
    id: r.name,
    source: r.source,
    where: { file: spec.files.build, path: `repositories[${r.index}].source` },
  }));
  for (const s of selected) {
    if (s.service.buildType === 'heroku-buildpack') {
      requests.push({
        id: `${s.name}/buildpack`,
        source: s.service.buildpack,
        where: { file: spec.files.build, path: `repositories[${s.index}].service.buildpack` },
      });
    }
  }
  const resolved = await resolveSources(requests, opts);
  const get = (id: string): ResolvedSource => {
    const r = resolved.get(id);
    if (r === undefined) throw new InternalError(`source ${id} was not resolved`);
    return r;
  };
  return {
    main: get,
    extra: (name): Record<string, ResolvedSource> =>
      resolved.has(`${name}/buildpack`) ? { buildpack: get(`${name}/buildpack`) } : {},
    exactSources: () => new Map(spec.repositories.map((r) => [r.name, get(r.name).exactSource])),
  };
}
