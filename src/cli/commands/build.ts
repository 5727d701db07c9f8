import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { runBuild } from '../../builder/run-build.js';
import type { ServicePlan } from '../../builder/plan/service-plan.js';
import { buildTypes } from '../../build-types/build-types.js';
import type { Emit } from '../../core/events.js';
import { loadBuildConfig } from '../../inputs/build-config.js';
import { loadClusterSpec } from '../../inputs/cluster-spec.js';
import { YamlValueCache } from '../../inputs/yaml-value-cache.js';
import { defaultBaseDir } from '../default-base-dir.js';
import { loadAll } from '../load-inputs.js';
import type { ProcessContext } from '../process-context.js';
import { createReporter } from '../reporters/create-reporter.js';
import type { LogFormat } from '../reporters/reporter.js';

interface BuildFlags {
  push?: boolean;
  baseDir?: string;
  cache?: boolean;
  buildConfig?: string[];
  targetService?: string[];
  concurrency?: number;
  engine?: string[];
  dryRun?: boolean;
  logFormat?: LogFormat;
}

export async function buildCommand(
  ctx: ProcessContext,
  specPath: string,
  releasePath: string,
  opts: Record<string, unknown>,
): Promise<void> {
  const flags = opts as BuildFlags;
  const redact = (s: string) => ctx.redactor.redact(s);
  const reporter = await createReporter(
    flags.logFormat,
    { stdout: process.stdout, stderr: process.stderr, redact },
    ctx.isTty,
  );
  const dryRun = flags.dryRun === true;
  // Counted from what happened: a service built with --push is planned as `build` and pushed too.
  let pushed = 0;
  const emit: Emit = (e) => {
    if (e.kind === 'image-pushed') pushed += 1;
    reporter.emit(e);
  };
  let result;
  try {
    const baseDir = resolve(ctx.cwd, flags.baseDir ?? defaultBaseDir(ctx.env));
    // Parsed spec and config texts, by content: a repeated build need not load the YAML parser.
    // Kept only once the build succeeded.
    const cache = dryRun ? {} : { cache: new YamlValueCache(join(baseDir, 'parsed')) };
    const [spec, config] = await loadAll([
      () => loadClusterSpec(specPath, { serviceTypes: buildTypes, ...cache }),
      () => loadBuildConfig(flags.buildConfig, ctx.cwd, ctx.env, cache),
    ] as const);
    result = await runBuild({
      spec,
      config,
      ...(dryRun ? {} : { releasePath: resolve(ctx.cwd, releasePath) }),
      baseDir,
      push: flags.push === true,
      noCache: flags.cache === false,
      targetServices: flags.targetService ?? [],
      concurrency: flags.concurrency ?? availableParallelism(),
      engines: flags.engine ?? [],
      dryRun,
      emit,
      signal: ctx.abort.signal,
      redactor: ctx.redactor,
      env: ctx.env,
    });
    await cache.cache?.flush();
  } finally {
    reporter.close();
  }
  if (dryRun && flags.logFormat !== 'json') process.stdout.write(redact(formatPlan(result.plans)));
  if (!dryRun) process.stderr.write(redact(summary(result.plans, pushed, releasePath)) + '\n');
}

function formatPlan(plans: ServicePlan[]): string {
  const width = Math.max(7, ...plans.map((p) => p.name.length));
  const lines = plans.map(
    (p) =>
      `${p.name.padEnd(width)}  ${p.action.padEnd(5)}  ${p.reason}${p.tag !== undefined ? `  [${p.tag}]` : ''}`,
  );
  return ['service'.padEnd(width) + '  action reason', ...lines].join('\n') + '\n';
}

function summary(plans: ServicePlan[], pushed: number, releasePath: string): string {
  const count = (a: ServicePlan['action']) => plans.filter((p) => p.action === a).length;
  // `loaded` only when it happened: the line stays as it was for builds that load nothing.
  const loaded = count('load') > 0 ? `, loaded ${count('load')}` : '';
  return `built ${count('build')}, pushed ${pushed}, pulled ${count('pull')}${loaded}, skipped ${count('skip')}; wrote ${releasePath}`;
}
