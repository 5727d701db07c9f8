import type { ServiceBuild } from '../../build-types/build-type.js';
import type { Emit } from '../../core/events.js';
import type { ClusterSpec } from '../../inputs/types.js';
import type { ImageProducer } from '../producers/image-producer.js';
import { checkBaseImages } from './check-base-images.js';
import { locatedInServiceEntry, servicesWhere } from './service-entry.js';
import { finishPlan, nameBases, type PlanServiceOptions } from './plan-service.js';
import { resolveServiceSources } from './resolve-service-sources.js';
import type { BuildableService, ServicePlan } from './service-plan.js';

export interface PlanBuildOptions extends PlanServiceOptions {
  signal: AbortSignal;
  emit: Emit;
  /** Most git processes talking to remotes at once. */
  gitConcurrency: number;
  /** The producer of a service's image (src/builder/producers/producer-for.ts). */
  producerOf(build: ServiceBuild): ImageProducer;
}

/**
 * The plan of a build, changing nothing but the caches of sources (and the base images a
 * build pulls): every source resolved to its commit, every service's base images named and
 * checked together, then per service its build key, tag and action with the reason, announced
 * as `plan-decided` events. `exactSources` pins every repository for the release.
 */
export async function planBuild(
  spec: ClusterSpec<ServiceBuild>,
  selected: readonly BuildableService[],
  opts: PlanBuildOptions,
): Promise<{ plans: ServicePlan[]; exactSources: Map<string, string> }> {
  const sources = await resolveServiceSources(spec, selected, opts);
  const where = servicesWhere(spec);
  const named = await Promise.all(
    selected.map((s) =>
      nameBases(s, sources.of(s), opts.producerOf(s.service), opts).catch((e: unknown) => {
        throw locatedInServiceEntry(e, s.index, where);
      }),
    ),
  );
  // Before any pull: every missing base image in one error. A dry run lists them per service.
  if (!opts.dryRun) await checkBaseImages(named, where);
  const plans = await Promise.all(named.map((n) => finishPlan(n, opts)));
  for (const p of plans) {
    opts.emit({
      kind: 'plan-decided',
      service: p.name,
      action: p.action,
      reason: p.reason,
      image: p.tag ?? '(unknown)',
      buildKey: p.key ?? '',
      ...(p.changed.length > 0 ? { changed: p.changed } : {}),
    });
  }
  for (const p of plans) if (p.warning !== undefined) opts.emit({ kind: 'warning', message: p.warning });
  return { plans, exactSources: sources.exactSources() };
}
