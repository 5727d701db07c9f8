import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as EventsModule from '../src/core/events.js';
import type * as RunDeployModule from '../src/deploy/run-deploy.js';
import type * as ClusterSpecModule from '../src/inputs/cluster-spec.js';
import type * as BuildTypesModule from '../src/build-types/build-types.js';
import type * as WriteFilesModule from '../src/deploy/output/write-resource-files.js';
import type * as IsolatedRenderModule from '../src/deploy/render/isolated-render.js';
import type * as RenderTemplateModule from '../src/deploy/render/render-template.js';
import type * as CheckResourcesModule from '../src/deploy/resources/check-resources.js';

// The compiled code the CLI ships (`npm run bench` builds it first), not the TypeScript sources
// through tsx's loader, whose compile cost would be measured too (in the render worker as well).
const dist = (path: string) => import(new URL(`../dist/${path}`, import.meta.url).href);
const { noEmit } = (await dist('core/events.js')) as typeof EventsModule;
const { runDeploy } = (await dist('deploy/run-deploy.js')) as typeof RunDeployModule;
const { loadClusterSpec } = (await dist('inputs/cluster-spec.js')) as typeof ClusterSpecModule;
const { buildTypes } = (await dist('build-types/build-types.js')) as typeof BuildTypesModule;
const { renderIsolated } = (await dist('deploy/render/isolated-render.js')) as typeof IsolatedRenderModule;
const { resourcesOf } = (await dist('deploy/render/render-template.js')) as typeof RenderTemplateModule;
const { checkResources } = (await dist('deploy/resources/check-resources.js')) as typeof CheckResourcesModule;
const { writeResourceFiles } = (await dist(
  'deploy/output/write-resource-files.js',
)) as typeof WriteFilesModule;

/**
 * The render benchmark: a release whose template maps over a list of 1,667 services in the
 * deploy config and yields a Deployment, a Service and a ConfigMap of a realistic size for
 * each (5,001 resources), rendered, validated against the official schemas and written to an
 * output directory through runDeploy, the code of `deploy`. Prints the wall time and CPU time
 * of that (release already loaded) and the process's peak memory, then one JSON line for
 * bench/render-figures.ts. Targets: under 1 s and 200 MB.
 *
 * Environment (set by render-figures.ts; alone, it writes a fresh directory and removes it):
 * RENDER_BENCH_OUT, the output directory, kept (if it exists: a redeploy over it);
 * RENDER_BENCH_DELETE_FIRST, a directory to delete just before the timed part;
 * RENDER_BENCH_PHASES=1, time render, checks and writing one after another instead.
 */
const SERVICES = 1667;
const services = Array.from({ length: SERVICES }, (_, i) => ({
  name: `svc-${i}`,
  replicas: 1 + (i % 3),
  port: 8000 + (i % 100),
  logLevel: i % 10 === 0 ? 'debug' : 'info',
}));
const labels = { app: '${svc.name}', tier: 'web', 'app.kubernetes.io/part-of': 'bench' };
const env = Array.from({ length: 12 }, (_, i) => ({
  name: `SETTING_${i}`,
  value: `\${cfg.prefix}-${i}-\${svc.name}`,
}));

const template = {
  resources: {
    $flatten: {
      $map: { $eval: 'cfg.services' },
      'each(svc)': [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: { $eval: 'svc.name' }, namespace: 'bench', labels },
          spec: {
            replicas: { $eval: 'svc.replicas' },
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                containers: [
                  {
                    name: 'web',
                    image: { $eval: "builtService('web').dockerImage" },
                    args: ['web', '--port=${svc.port}'],
                    ports: [{ containerPort: { $eval: 'svc.port' }, name: 'http' }],
                    env: [
                      ...env,
                      { name: 'LOG_LEVEL', value: { $eval: 'svc.logLevel' } },
                      {
                        name: 'SECRET',
                        valueFrom: { secretKeyRef: { name: { $eval: 'infra.secret' }, key: 'token' } },
                      },
                    ],
                    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
                    readinessProbe: {
                      httpGet: { path: '/health', port: { $eval: 'svc.port' } },
                      periodSeconds: 10,
                    },
                    volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
                  },
                ],
                volumes: [{ name: 'config', configMap: { name: { $eval: 'svc.name' } } }],
              },
            },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: { $eval: 'svc.name' }, namespace: 'bench', labels },
          spec: {
            type: 'ClusterIP',
            selector: labels,
            ports: [{ name: 'http', port: 80, targetPort: { $eval: 'svc.port' } }],
          },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: { $eval: 'svc.name' }, namespace: 'bench' },
          data: {
            'app.yml': 'listen: ${svc.port}\nlog: ${svc.logLevel}\nname: ${svc.name}\n',
            ROOT_URL: '${cfg.rootUrl}',
          },
        },
      ],
    },
  },
};

const dir = await mkdtemp(join(tmpdir(), `tci-render-bench-${process.pid}-`));
const outDir = process.env['RENDER_BENCH_OUT'] ?? join(dir, 'out');
const deleteFirst = process.env['RENDER_BENCH_DELETE_FIRST'];
try {
  const releaseFile = join(dir, 'release.json');
  await writeFile(
    releaseFile,
    JSON.stringify({
      build: {
        repositories: [
          {
            name: 'web',
            kind: 'service',
            source: 'https://git.example.com/web.git#main',
            exactSource: `https://git.example.com/web.git#${'a'.repeat(40)}`,
            service: {
              buildType: 'docker',
              dockerImage: `registry.example.com/web@sha256:${'b'.repeat(64)}`,
              buildKey: 'k',
            },
          },
        ],
      },
      deploy: template,
      release: {
        tool: { name: 'taskcluster-installer', version: 'bench' },
        createdAt: '2024-01-01T00:00:00.000Z',
      },
    }),
  );
  const spec = await loadClusterSpec(releaseFile, { serviceTypes: buildTypes });
  const values = {
    cfg: { prefix: 'p', rootUrl: 'https://tc.example.com', services },
    infra: { secret: 'app-secrets' },
  };
  // The case of a file system that just freed many inodes: see bench/README.md.
  if (deleteFirst !== undefined) await rm(deleteFirst, { recursive: true, force: true });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const phases: Record<string, number> = {};
  let count: number;
  if (process.env['RENDER_BENCH_PHASES'] === '1') {
    const mark = (name: string, since: number) => (phases[name] = Math.round(performance.now() - since));
    let t = performance.now();
    const resources = resourcesOf(spec, await renderIsolated(spec, values));
    mark('renderMs', t);
    t = performance.now();
    const { files } = await checkResources(resources, {
      validate: true,
      origin: (i) => ({ path: `resources[${i}]` }),
    });
    mark('checkMs', t);
    t = performance.now();
    await writeResourceFiles(outDir, files, noEmit);
    mark('writeMs', t);
    count = files.length;
  } else {
    const { files } = await runDeploy(spec, { outDir, ...values, validate: true, emit: noEmit });
    count = files.length;
  }
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const peakMB = process.resourceUsage().maxRSS / 1024;
  const heapMB = process.memoryUsage().heapUsed / 1024 / 1024;
  console.log(`rendered, validated and wrote ${count} resources to ${outDir}`);
  console.log(`wall time: ${wallMs.toFixed(0)} ms (target < 1000 ms)`);
  // CPU time (all threads, kernel included) varies much less with other load than wall time.
  console.log(
    `CPU time: ${cpuMs.toFixed(0)} ms (user ${(cpu.user / 1000).toFixed(0)}, system ${(cpu.system / 1000).toFixed(0)})`,
  );
  console.log(
    `peak memory (maxRSS): ${peakMB.toFixed(0)} MB (target < 200 MB); heap in use after: ${heapMB.toFixed(0)} MB`,
  );
  console.log(
    JSON.stringify({
      wallMs: Math.round(wallMs),
      cpuMs: Math.round(cpuMs),
      peakMB: Math.round(peakMB),
      resources: count,
      ...phases,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
