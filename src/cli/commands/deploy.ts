import { UserError, ExitCode } from '../../core/user-error.js';
import { PROTECTED_KINDS } from '../../deploy/inventory/plan-prune.js';
import { runDeploy, type ApplyOptions } from '../../deploy/run-deploy.js';
import { buildTypes } from '../../build-types/build-types.js';
import { loadClusterSpec } from '../../inputs/cluster-spec.js';
import { loadDeployConfig, loadInfraInfo } from '../../inputs/deploy-inputs.js';
import type { ProcessContext } from '../process-context.js';
import { createReporter } from '../reporters/create-reporter.js';
import type { LogFormat } from '../reporters/reporter.js';

interface DeployCliOptions {
  deployConfig?: string[];
  infraInfo?: string;
  validate?: boolean;
  apply?: boolean;
  kubectl?: string;
  context?: string;
  wait?: number;
  diffAgainst?: string;
  prune?: boolean;
  maxDeletions?: number;
  allowDelete?: string[];
  installation?: string;
  inventoryNamespace?: string;
  dryRun?: boolean;
  forceConflicts?: boolean;
  logFormat?: LogFormat;
}

/** Deletions `--prune` makes without `--max-deletions`: a renamed service or two, not a wipe. */
export const DEFAULT_MAX_DELETIONS = 5;
export const DEFAULT_INSTALLATION = 'default';
export const DEFAULT_INVENTORY_NAMESPACE = 'default';

/** `deploy <release.json | spec> <output-dir>`: README.md and docs/deploy.md. */
export async function deployCommand(
  ctx: ProcessContext,
  releasePath: string,
  outDir: string,
  rawOpts: Record<string, unknown>,
): Promise<void> {
  const opts = rawOpts as DeployCliOptions;
  checkUsage(opts);
  const apply = opts.apply === true ? applyOptions(ctx, opts) : undefined;
  const [spec, cfg, infra] = await Promise.all([
    loadClusterSpec(releasePath, { serviceTypes: buildTypes }),
    loadDeployConfig(opts.deployConfig, ctx.cwd, ctx.env),
    loadInfraInfo(opts.infraInfo),
  ]);
  const redact = ctx.redactor.redact.bind(ctx.redactor);
  const reporter = await createReporter(
    opts.logFormat,
    { stdout: process.stdout, stderr: process.stderr, redact },
    ctx.isTty,
  );
  try {
    const result = await runDeploy(spec, {
      outDir,
      cfg,
      infra,
      validate: opts.validate !== false,
      ...(opts.diffAgainst !== undefined ? { diffAgainst: opts.diffAgainst } : {}),
      ...(apply !== undefined ? { apply } : {}),
      emit: reporter.emit,
      signal: ctx.abort.signal,
    });
    reporter.close();
    if (!result.written) process.stderr.write('dry run: nothing was written, applied or deleted\n');
    // The json reporter keeps stdout for events; the human summary goes to stderr there.
    else if (opts.logFormat === 'json')
      process.stderr.write(`wrote ${result.files.length} resources to ${outDir}\n`);
  } finally {
    reporter.close();
  }
}

function applyOptions(ctx: ProcessContext, opts: DeployCliOptions): ApplyOptions {
  return {
    kubectl: opts.kubectl ?? 'kubectl',
    env: ctx.env,
    ...(opts.context !== undefined ? { context: opts.context } : {}),
    ...(opts.wait !== undefined ? { wait: opts.wait } : {}),
    inventory: {
      installation: dnsLabel('--installation', opts.installation ?? DEFAULT_INSTALLATION),
      namespace: dnsLabel('--inventory-namespace', opts.inventoryNamespace ?? DEFAULT_INVENTORY_NAMESPACE),
    },
    ...(opts.prune === true
      ? {
          prune: {
            maxDeletions: opts.maxDeletions ?? DEFAULT_MAX_DELETIONS,
            allowDelete: (opts.allowDelete ?? []).map(protectedKind),
          },
        }
      : {}),
    ...(opts.dryRun === true ? { dryRun: true } : {}),
    ...(opts.forceConflicts === true ? { forceConflicts: true } : {}),
  };
}

/** Options that only mean something together with others are usage errors alone. */
function checkUsage(opts: DeployCliOptions): void {
  const usage = (message: string) => new UserError({ message }, { exitCode: ExitCode.usage });
  if (opts.wait !== undefined && opts.apply !== true) throw usage('--wait needs --apply');
  if (opts.apply !== true && (opts.context !== undefined || opts.kubectl !== 'kubectl'))
    throw usage('--kubectl and --context need --apply');
  for (const [flag, given] of [
    ['--prune', opts.prune],
    ['--dry-run', opts.dryRun],
    ['--force-conflicts', opts.forceConflicts],
    ['--installation', opts.installation],
    ['--inventory-namespace', opts.inventoryNamespace],
  ] as const) {
    if (given !== undefined && opts.apply !== true) throw usage(`${flag} needs --apply`);
  }
  if (opts.prune !== true && (opts.maxDeletions !== undefined || opts.allowDelete !== undefined))
    throw usage('--max-deletions and --allow-delete need --prune');
  if (opts.dryRun === true && opts.wait !== undefined)
    throw usage('--wait cannot be combined with --dry-run');
}

/** Installation and namespace names end up in a ConfigMap's name, label and namespace. */
function dnsLabel(flag: string, value: string): string {
  if (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) return value;
  throw new UserError(
    {
      message: `${flag} ${JSON.stringify(value)}: must be 1 to 63 lowercase letters, digits or "-", starting and ending with a letter or digit`,
    },
    { exitCode: ExitCode.usage },
  );
}

function protectedKind(value: string): string {
  const kind = PROTECTED_KINDS.find((k) => k.toLowerCase() === value.toLowerCase());
  if (kind !== undefined) return kind;
  throw new UserError(
    {
      message: `--allow-delete ${JSON.stringify(value)}: must be one of ${PROTECTED_KINDS.join(', ')}`,
      hint: 'other kinds need no permission; --max-deletions limits how many go',
    },
    { exitCode: ExitCode.usage },
  );
}
