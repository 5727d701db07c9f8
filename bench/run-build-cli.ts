import { cliPath } from '../test/helpers/run-cli.js';
import { runMeasured } from './child-usage.js';

export interface BuildCliRun {
  ms: number;
  /** CPU time of the CLI's process: wall time on a shared machine depends on the load, CPU time much less. */
  cpuMs: number;
  /** Services per plan action, from the json events. */
  actions: Record<string, string[]>;
  /** Elapsed time of each finished step, by `service:step`. */
  stepMs: Map<string, number>;
  /** With several engines: builds per engine, from the `engine-chosen` events. */
  buildsPerEngine: Map<string, number>;
  /** The steps' progress lines (`log-line` events). */
  lines: string[];
}

export interface BuildCliOptions {
  spec: string;
  release: string;
  baseDir: string;
  buildConfig: string;
  cwd: string;
  extra?: string[];
  /** Added to the environment, e.g. TASKCLUSTER_INSTALLER_CODE_CACHE=off. */
  env?: NodeJS.ProcessEnv;
  /** Another checkout's `bin/taskcluster-installer.js` (a baseline); default this one's. */
  cli?: string;
}

/**
 * One `taskcluster-installer build` of the compiled CLI, spawned as a user would run it (Node's
 * start-up included), with json events so the benchmark can check what the build really did.
 */
export async function runBuildCli(opts: BuildCliOptions): Promise<BuildCliRun> {
  const args = [
    opts.cli ?? cliPath,
    'build',
    '--base-dir',
    opts.baseDir,
    '--build-config',
    opts.buildConfig,
    '--log-format',
    'json',
    ...(opts.extra ?? []),
    opts.spec,
    opts.release,
  ];
  const run = await runMeasured(process.execPath, args, {
    cwd: opts.cwd,
    env: { ...process.env, DOCKER_BUILDKIT: '0', DEBUG: '', ...opts.env },
  });
  const cpuMs = run.cpuMs;
  const actions: Record<string, string[]> = {};
  const stepMs = new Map<string, number>();
  const buildsPerEngine = new Map<string, number>();
  const lines: string[] = [];
  for (const line of run.stdout.split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as {
      kind: string;
      service?: string;
      action?: string;
      step?: string;
      elapsedMs?: number;
      engine?: string;
      line?: string;
    };
    if (e.kind === 'log-line' && e.line !== undefined) lines.push(e.line);
    if (e.kind === 'plan-decided' && e.action !== undefined && e.service !== undefined)
      (actions[e.action] ??= []).push(e.service);
    if (e.kind === 'step-finished' && e.elapsedMs !== undefined)
      stepMs.set(`${e.service}:${e.step}`, e.elapsedMs);
    if (e.kind === 'engine-chosen' && e.step === 'build' && e.engine !== undefined)
      buildsPerEngine.set(e.engine, (buildsPerEngine.get(e.engine) ?? 0) + 1);
  }
  return { ms: run.ms, cpuMs, actions, stepMs, buildsPerEngine, lines };
}

/** Fails the benchmark when a run did something other than what the figure claims to measure. */
export function expectActions(run: BuildCliRun, expected: Record<string, number>, what: string): void {
  const got = Object.fromEntries(Object.entries(run.actions).map(([a, s]) => [a, s.length]));
  for (const [action, n] of Object.entries(expected)) {
    if ((got[action] ?? 0) !== n) {
      throw new Error(
        `${what}: expected ${JSON.stringify(expected)} plan actions, got ${JSON.stringify(got)}`,
      );
    }
  }
}
