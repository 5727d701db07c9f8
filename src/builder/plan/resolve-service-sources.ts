import type { Emit } from '../../core/events.js';
import type { ClusterSpec, ServiceSpec } from '../../inputs/types.js';
import { InternalError } from '../../core/user-error.js';
import { resolveSources } from '../sources/resolve-sources.js';
import type { ResolvedSource, SourceRequest } from '../sources/source-request.js';
import type { BuildableService } from './service-plan.js';

export interface ServiceSources {
  /** The service's own source, and its other sources by the field that named them (`{buildpack}`). */
  of(s: BuildableService): { main: ResolvedSource; extra: Record<string, ResolvedSource> };
  /** `exactSource` of every repository, for the release. */
  exactSources(): Map<string, string>;
}

/**
 * Every repository's source (the release pins all of them, built or not) plus the extra
 * sources of each selected service (a buildpack), resolved in one batch so each remote is
 * asked once.
 */
export async function resolveServiceSources<S extends ServiceSpec>(
  spec: ClusterSpec<S>,
  selected: readonly BuildableService[],
  opts: { baseDir: string; signal: AbortSignal; emit: Emit; gitConcurrency: number },
): Promise<ServiceSources> {
  const where = (index: number, path: string) => ({
    file: spec.files.build,
    path: `repositories[${index}].${path}`,
  });
  const requests: SourceRequest[] = spec.repositories.map((r) => ({
    id: r.name,
    source: r.source,
    where: where(r.index, 'source'),
  }));
  for (const s of selected) {
    for (const [field, source] of Object.entries(s.service.extraSources))
      requests.push({ id: `${s.name}/${field}`, source, where: where(s.index, `service.${field}`) });
  }
  const resolved = await resolveSources(requests, opts);
  const get = (id: string): ResolvedSource => {
    const r = resolved.get(id);
    if (r === undefined) throw new InternalError(`source ${id} was not resolved`);
    return r;
  };
  return {
    of: (s) => ({
      main: get(s.name),
      extra: Object.fromEntries(Object.keys(s.service.extraSources).map((f) => [f, get(`${s.name}/${f}`)])),
    }),
    exactSources: () => new Map(spec.repositories.map((r) => [r.name, get(r.name).exactSource])),
  };
}
