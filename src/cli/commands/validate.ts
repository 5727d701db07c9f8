import type { Problem } from '../../core/problem.js';
import { formatPath, formatProblem } from '../../core/problem.js';
import { isUserError, UserError } from '../../core/user-error.js';
import { checkTemplate } from '../../deploy/check-template.js';
import { loadBuildConfig } from '../../inputs/build-config.js';
import { buildTypes } from '../../build-types/build-types.js';
import { loadClusterSpec } from '../../inputs/cluster-spec.js';
import { configFileNames } from '../../inputs/config-files.js';
import { DEPLOY_CONFIG_DEFAULTS, loadDeployConfig, loadInfraInfo } from '../../inputs/deploy-inputs.js';
import { SITE_BUILD_TYPES, type ClusterSpec, type DeployConfig, type InfraInfo } from '../../inputs/types.js';
import type { ProcessContext } from '../process-context.js';
import { createJsonReporter } from '../reporters/json-reporter.js';

interface ValidateOptions {
  buildConfig?: string[];
  deployConfig?: string[];
  infraInfo?: string;
  logFormat?: 'tty' | 'plain' | 'json';
}

/**
 * `validate <spec>` (README.md): loads the spec, the build config and, when there are any,
 * the deploy config and infra info; every problem of every file is reported together.
 * Warnings go to stderr as `warning: file:line: path: message` (or as json events).
 */
export async function validateCommand(
  ctx: ProcessContext,
  specPath: string,
  opts: Record<string, unknown>,
): Promise<void> {
  const o = opts as ValidateOptions;
  const problems: Problem[] = [];
  const attempt = async <T>(load: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await load();
    } catch (e) {
      if (!isUserError(e)) throw e;
      problems.push(...e.problems);
      return undefined;
    }
  };

  const spec = await attempt(() => loadClusterSpec(specPath, { serviceTypes: buildTypes }));
  const buildConfig = await attempt(() => loadBuildConfig(o.buildConfig, ctx.cwd, ctx.env));
  for (const secret of buildConfig?.sensitiveValues ?? []) ctx.redactor.add(secret);
  for (const repo of spec?.repositories ?? []) {
    ctx.redactor.add(repo.source.credentials?.username);
    ctx.redactor.add(repo.source.credentials?.password);
  }
  // cfg counts as given when a file will be read, named or found by default in the working directory.
  const deployConfigFiles = await configFileNames(o.deployConfig, ctx.cwd, DEPLOY_CONFIG_DEFAULTS);
  const cfg: DeployConfig | undefined =
    deployConfigFiles.length > 0
      ? await attempt(() => loadDeployConfig(deployConfigFiles, ctx.cwd, ctx.env))
      : undefined;
  const infra: InfraInfo | undefined =
    o.infraInfo !== undefined ? await attempt(() => loadInfraInfo(o.infraInfo)) : undefined;

  const warnings: Problem[] = spec !== undefined ? siteTypeWarnings(spec) : [];
  // The deploy template, rendered with placeholder build results (and stand-ins for a cfg or
  // infra that was not given) and checked as deploy checks it, so errors surface before any build.
  if (spec !== undefined) {
    const check = await checkTemplate(
      spec,
      { ...(cfg !== undefined ? { cfg } : {}), ...(infra !== undefined ? { infra } : {}) },
      ctx.abort.signal,
    );
    warnings.push(...check.warnings);
    problems.push(...check.problems);
  }

  if (problems.length > 0) throw new UserError(problems);
  if (spec === undefined) return;
  const json = o.logFormat === 'json' ? createJsonReporter(ioOf(ctx)) : undefined;
  for (const w of warnings) {
    if (json) json.emit({ kind: 'warning', ...w });
    else process.stderr.write(ctx.redactor.redact('warning: ' + formatProblem(w)) + '\n');
  }
  const services = spec.repositories.filter((r) => r.kind === 'service').length;
  const summary = `${specPath}: ${spec.repositories.length} repositories (${services} services), ok\n`;
  // With json events on stdout, human messages go to stderr.
  (json ? process.stderr : process.stdout).write(summary);
}

/** Site build types are recognised but not built: one warning each. */
function siteTypeWarnings(spec: ClusterSpec): Problem[] {
  const prefix = spec.files.form === 'json' ? ['build'] : [];
  const out: Problem[] = [];
  for (const repo of spec.repositories) {
    if (repo.kind !== 'service' || !(SITE_BUILD_TYPES as readonly string[]).includes(repo.service.buildType))
      continue;
    const written =
      (repo.raw['service'] as Record<string, unknown>)['buildType'] !== undefined ? 'buildType' : 'buildtype';
    const line = spec.buildLineOf?.(['repositories', repo.index, 'service', written]);
    out.push({
      file: spec.files.build,
      ...(line !== undefined && { line }),
      path: formatPath([...prefix, 'repositories', repo.index, 'service', 'buildType']),
      message: `site build type "${repo.service.buildType}" is recognised but not built`,
      hint: `build stops on it unless --target-service leaves out "${repo.name}"`,
    });
  }
  return out;
}

function ioOf(ctx: ProcessContext) {
  return { stdout: process.stdout, stderr: process.stderr, redact: (s: string) => ctx.redactor.redact(s) };
}
