import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeApiDouble, type KubeApiDouble } from '../test/helpers/kube-api-double.js';
import { cliPath } from '../test/helpers/run-cli.js';
import { atLeast, below, type Figure } from './figure.js';
import { median, timeCommand } from './time-command.js';

/**
 * `deploy --apply` of 1,000 resources (600 ConfigMaps, 400 Deployments) against the Kubernetes
 * API test double with 20 ms added to every request, as a remote cluster's round trip, beside
 * the baseline measured in the same run: `kubectl apply -f <dir>` of the same files against a
 * fresh double with the same latency. Then a deploy of the unchanged release, counting the writes
 * the double received. BENCH_DEPLOY_RUNS runs of deploy per figure (default 3); the baseline runs once
 * (it takes about a minute).
 */
const RESOURCES = 1000;
const LATENCY_MS = 20;

function resources(): Array<Record<string, unknown>> {
  return Array.from({ length: RESOURCES }, (_, i) => {
    if (i % 5 < 3)
      return {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}`, namespace: 'default' },
        data: { index: String(i), mode: 'bench' },
      };
    const labels = { app: `svc-${i}` };
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `svc-${i}`, namespace: 'default', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              { name: 'web', image: `registry.example.com/svc:${i}`, ports: [{ containerPort: 8080 }] },
            ],
          },
        },
      },
    };
  });
}

async function withDouble<T>(work: (api: KubeApiDouble) => Promise<T>): Promise<T> {
  const api = await startKubeApiDouble({ latencyMs: LATENCY_MS });
  try {
    return await work(api);
  } finally {
    await api.stop();
  }
}

/** The release, and the same resources as files for kubectl. */
async function writeInputs(dir: string): Promise<{ release: string; files: string }> {
  const release = join(dir, 'release.json');
  const files = join(dir, 'files');
  await mkdir(files);
  const all = resources();
  await writeFile(
    release,
    JSON.stringify({
      build: { repositories: [] },
      deploy: { resources: all },
      release: {
        tool: { name: 'taskcluster-installer', version: '0' },
        createdAt: '2020-01-01T00:00:00.000Z',
      },
    }),
  );
  for (const o of all)
    await writeFile(
      join(files, `${String(o['kind'])}-${String((o['metadata'] as { name: string }).name)}.json`),
      JSON.stringify(o),
    );
  return { release, files };
}

export async function deployFigures(log: (message: string) => void): Promise<Figure[]> {
  const runs = Number(process.env['BENCH_DEPLOY_RUNS'] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'tci-deploy-bench-'));
  try {
    const { release, files } = await writeInputs(dir);
    log(
      `deploy benchmark: ${RESOURCES} resources, ${LATENCY_MS} ms per request; baseline kubectl apply -f <dir> (about a minute)`,
    );
    const baseline = await withDouble(
      async (api) =>
        (await timeCommand('kubectl', ['apply', '-f', files], { env: { ...process.env, ...api.env } })).ms,
    );
    log(`kubectl apply -f <dir>: ${baseline.toFixed(0)} ms`);
    const runsOf = await measureDeploys(dir, release, runs);
    const ms = (xs: number[]) => xs.map((m) => m.toFixed(0)).join(', ');
    log(
      `deploy --apply: ${ms(runsOf.first)} ms; again, unchanged: ${ms(runsOf.again)} ms, writes ${runsOf.writes.join(', ')}`,
    );
    return figuresOf(baseline, runsOf);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface DeployRuns {
  first: number[];
  again: number[];
  writes: number[];
}

/** `runs` times, each on a fresh double: deploy --apply, then the same again, counting its writes. */
async function measureDeploys(dir: string, release: string, runs: number): Promise<DeployRuns> {
  const out: DeployRuns = { first: [], again: [], writes: [] };
  for (let i = 0; i < runs; i++) {
    await withDouble(async (api) => {
      const deploy = async () =>
        (
          await timeCommand(
            process.execPath,
            [cliPath, 'deploy', '--apply', release, join(dir, `out-${i}`)],
            {
              env: { ...process.env, ...api.env, HOME: join(dir, 'home') },
              cwd: dir,
            },
          )
        ).ms;
      out.first.push(await deploy());
      const since = api.requests.length;
      out.again.push(await deploy());
      out.writes.push(api.writes(since).length);
    });
  }
  return out;
}

function figuresOf(baseline: number, { first, again, writes }: DeployRuns): Figure[] {
  const ours = median(first);
  return [
    {
      name: `baseline: kubectl apply -f <dir>, ${RESOURCES} resources at ${LATENCY_MS} ms`,
      value: baseline,
      unit: 'ms',
      samples: [baseline],
    },
    {
      ...below(
        `deploy --apply, ${RESOURCES} resources at ${LATENCY_MS} ms`,
        ours,
        'ms',
        Math.round(baseline / 10),
      ),
      ratio: baseline / ours,
      samples: first,
      note: 'the whole command: render, write, kubectl proxy start, apply in order, inventory',
    },
    atLeast('deploy --apply: speed-up vs kubectl apply', baseline / ours, 'x', 10),
    { name: 'deploy --apply of the unchanged release', value: median(again), unit: 'ms', samples: again },
    {
      name: 'writes sent by the unchanged re-apply',
      value: Math.max(...writes),
      unit: 'requests',
      target: '0',
      pass: Math.max(...writes) === 0,
      note: 'requests other than GET and server-side dry runs, counted on the double',
    },
  ];
}
