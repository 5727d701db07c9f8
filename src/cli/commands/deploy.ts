import { UserError, ExitCode } from '../../core/user-error.js';
import { runDeploy } from '../../deploy/run-deploy.js';
import { loadClusterSpec } from '../../spec/cluster-spec.js';
import { loadDeployConfig, loadInfraInfo } from '../../spec/deploy-inputs.js';
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
  logFormat?: LogFormat;
}

/** `deploy <release.json | spec> <output-dir>`: README.md and docs/deploy.md. */
export async function deployCommand(
  ctx: ProcessContext,
  releasePath: string,
  outDir: string,
  rawOpts: Record<string, unknown>,
): Promise<void> {
  const opts = rawOpts as DeployCliOptions;
  if (opts.wait !== undefined && opts.apply !== true) {
    throw new UserError({ message: '--wait needs --apply' }, { exitCode: ExitCode.usage });
  }
  if (opts.apply !== true && (opts.context !== undefined || opts.kubectl !== 'kubectl')) {
    throw new UserError({ message: '--kubectl and --context need --apply' }, { exitCode: ExitCode.usage });
  }
  const [spec, cfg, infra] = await Promise.all([
    loadClusterSpec(releasePath),
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
      ...(opts.apply === true
        ? {
            apply: {
              kubectl: opts.kubectl ?? 'kubectl',
              env: ctx.env,
              ...(opts.context !== undefined ? { context: opts.context } : {}),
              ...(opts.wait !== undefined ? { wait: opts.wait } : {}),
            },
          }
        : {}),
      emit: reporter.emit,
      signal: ctx.abort.signal,
    });
    reporter.close();
    // The json reporter keeps stdout for events; the human summary goes to stderr there.
    if (opts.logFormat === 'json')
      process.stderr.write(`wrote ${result.files.length} resources to ${outDir}\n`);
  } finally {
    reporter.close();
  }
}
