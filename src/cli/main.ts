import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { killAllGroups } from '../core/process-group.js';
import { toolInfo } from '../core/tool-info.js';
import { ExitCode } from '../core/user-error.js';
import { describeError } from './print-error.js';
import { processContext } from './process-context.js';
import { watchStandardOutput } from './standard-output.js';

/**
 * The command line (README.md). Each action is loaded lazily so that `--help`, `validate`
 * and a no-op build do not pay for modules they never use (dockerode, json-e, k8s schemas).
 */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function countArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('must be a whole number (0 or more)');
  return n;
}

function waitSeconds(value: string | boolean): number {
  if (value === true) return 300;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number of seconds > 0');
  return n;
}

const program = new Command()
  .name('taskcluster-installer')
  .description('Build a cluster spec into a digest-pinned release, and deploy a release to Kubernetes.')
  .version(toolInfo.version, '--version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .configureOutput({
    writeOut: (s) => process.stdout.write(s),
    writeErr: (s) => process.stderr.write(s),
  });

program
  .command('build')
  .description('build the services of <spec> and write <release.json>')
  .argument('<spec>', 'cluster spec: a directory with build.yml and deploy.yml, or a JSON file')
  .argument('<release.json>', 'the release file to write')
  .option('--push', 'push built images; the release pins each image by digest')
  .option('--base-dir <dir>', 'work directory for clones, caches and logs')
  .option('--no-cache', 'destroy cached state and Docker layer cache for these builds; rebuild everything')
  .option('--build-config <file>', 'build config file (repeatable, deep-merged in order)', collect)
  .option('--target-service <name>', 'build only this service (repeatable)', collect)
  .option('--concurrency <n>', 'most image builds at once per engine (default: number of CPUs)', positiveInt)
  .option(
    '--engine <endpoint>',
    'Docker engine to build on, unix://…, tcp://host:port or ssh://user@host, with optional ,concurrency=N (repeatable; default DOCKER_HOST, else the local socket)',
    collect,
  )
  .option('--dry-run', 'print what would be built, pulled or skipped, and why; change nothing')
  .addOption(new Option('--log-format <format>', 'progress display').choices(['tty', 'plain', 'json']))
  .action(async (spec: string, release: string, opts: Record<string, unknown>) => {
    const { buildCommand } = await import('./commands/build.js');
    await buildCommand(processContext, spec, release, opts);
  });

program
  .command('deploy')
  .description('render <release.json | spec> into one Kubernetes resource file per resource in <output-dir>')
  .argument('<release>', 'a release written by build, or a spec')
  .argument('<output-dir>', 'directory to write (replaced as a whole)')
  .option(
    '--deploy-config <file>',
    'deploy config file, becomes cfg (repeatable, deep-merged in order)',
    collect,
  )
  .option(
    '--infra-info <file>',
    'infrastructure information (JSON or `terraform output -json`), becomes infra',
  )
  .option('--no-validate', 'skip schema validation of the rendered resources')
  .option('--apply', 'after writing, apply the resources to the cluster in order (server-side apply)')
  .option('--kubectl <path>', 'kubectl binary that connects --apply to the cluster', 'kubectl')
  .option('--context <name>', 'kubeconfig context for --apply')
  .option(
    '--wait [seconds]',
    'with --apply: wait until the applied resources are ready (default 300 s)',
    waitSeconds,
  )
  .option('--force-conflicts', 'with --apply: take over fields that another field manager set')
  .option('--diff-against <dir>', 'show what changes against an earlier output directory, before writing')
  .option('--prune', 'with --apply: delete what the last apply recorded and this render no longer has')
  .option('--max-deletions <n>', 'with --prune: refuse to delete more than n resources (default 5)', countArg)
  .option(
    '--allow-delete <kind>',
    'with --prune: allow deleting a Namespace, PersistentVolumeClaim or CustomResourceDefinition (repeatable)',
    collect,
  )
  .option(
    '--installation <name>',
    'with --apply: the name of this installation\'s inventory (default "default")',
  )
  .option(
    '--inventory-namespace <ns>',
    'with --apply: the namespace of the inventory ConfigMap (default "default")',
  )
  .option('--dry-run', 'with --apply: show what applying and pruning would do; write and change nothing')
  .addOption(new Option('--log-format <format>', 'progress display').choices(['tty', 'plain', 'json']))
  .action(async (release: string, outDir: string, opts: Record<string, unknown>) => {
    const { deployCommand } = await import('./commands/deploy.js');
    await deployCommand(processContext, release, outDir, opts);
  });

program
  .command('diff')
  .description('compare two deploys: output directories, or releases rendered with the same cfg and infra')
  .argument('<old>', 'an output directory written by deploy, a release, or a spec')
  .argument('<new>', 'an output directory written by deploy, a release, or a spec')
  .option('--deploy-config <file>', 'deploy config file for rendering releases (repeatable)', collect)
  .option('--infra-info <file>', 'infrastructure information for rendering releases')
  .addOption(new Option('--log-format <format>', 'output format (default plain)').choices(['plain', 'json']))
  .action(async (oldSide: string, newSide: string, opts: Record<string, unknown>) => {
    const { diffCommand } = await import('./commands/diff.js');
    await diffCommand(processContext, oldSide, newSide, opts);
  });

program
  .command('validate')
  .description('check a spec and its config, and render its deploy template with placeholder build results')
  .argument('<spec>', 'cluster spec: a directory with build.yml and deploy.yml, or a JSON file')
  .option('--build-config <file>', 'build config file (repeatable)', collect)
  .option('--deploy-config <file>', 'deploy config file (repeatable)', collect)
  .option('--infra-info <file>', 'infrastructure information')
  .addOption(new Option('--log-format <format>', 'progress display').choices(['tty', 'plain', 'json']))
  .action(async (spec: string, opts: Record<string, unknown>) => {
    const { validateCommand } = await import('./commands/validate.js');
    await validateCommand(processContext, spec, opts);
  });

program
  .command('init')
  .description(
    'write a small working cluster spec into [dir]: one docker service, its Deployment, Service and Ingress',
  )
  .argument('[dir]', 'directory to write, made if missing (default: the current directory)', '.')
  .action(async (dir: string) => {
    const { initCommand } = await import('./commands/init.js');
    await initCommand(processContext, dir);
  });

program
  .command('completion')
  .description(
    'print a shell completion script; load it with: source <(taskcluster-installer completion bash)',
  )
  .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
  .action(async (shell: 'bash' | 'zsh') => {
    const { completionCommand } = await import('./commands/completion.js');
    completionCommand(program, shell);
  });

async function main(): Promise<void> {
  watchStandardOutput();
  try {
    await program.parseAsync(process.argv);
    // A command may set its own status (diff: 1 when the sides differ).
    process.exitCode ??= ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; every other commander error is usage.
      process.exitCode = e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    } else {
      const { text, exitCode } = describeError(
        e,
        processContext.redactor.redact.bind(processContext.redactor),
      );
      process.stderr.write(text + '\n');
      process.exitCode = exitCode;
    }
  }
  // An interrupted command has cleaned up after itself and stopped the processes it started
  // (each with everything it started in turn). One started without the abort signal may still
  // run: it must neither outlive the CLI nor, holding an output pipe, keep the CLI alive.
  if (processContext.abort.signal.aborted) {
    killAllGroups();
    process.exit();
  }
}

// Not `await`: the bundle is CommonJS (see start.ts), which has no top-level await.
void main();
