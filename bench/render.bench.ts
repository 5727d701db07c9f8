import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noEmit } from '../src/core/events.js';
import { runDeploy } from '../src/deploy/run-deploy.js';
import { loadClusterSpec } from '../src/spec/cluster-spec.js';

/**
 * Issue 7's render benchmark: a release whose template yields 5,001 resources (1,667 each of
 * Deployment, Service and ConfigMap, of a realistic size) is rendered, validated against the
 * official schemas and written to a fresh output directory. Prints the wall time of that
 * (release already loaded) and the process's peak memory, then one JSON line for bench/run.ts.
 * Targets: under 1 s and under 200 MB.
 */
const APPS = 1667;
const labels = { app: '${name}', tier: 'web', 'app.kubernetes.io/part-of': 'bench' };
const env = Array.from({ length: 12 }, (_, i) => ({
  name: `SETTING_${i}`,
  value: `\${cfg.prefix}-${i}-\${name}`,
}));

const template = {
  resources: {
    $flatten: {
      $map: { $eval: `range(0, ${APPS})` },
      'each(i)': {
        $let: { name: 'svc-${i}' },
        in: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: { $eval: 'name' }, namespace: 'bench', labels },
            spec: {
              replicas: 2,
              selector: { matchLabels: labels },
              template: {
                metadata: { labels },
                spec: {
                  containers: [
                    {
                      name: 'web',
                      image: { $eval: "builtService('web').dockerImage" },
                      args: ['web'],
                      ports: [{ containerPort: 8080, name: 'http' }],
                      env: [
                        ...env,
                        {
                          name: 'SECRET',
                          valueFrom: { secretKeyRef: { name: { $eval: 'infra.secret' }, key: 'token' } },
                        },
                      ],
                      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
                      readinessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 10 },
                      volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
                    },
                  ],
                  volumes: [{ name: 'config', configMap: { name: { $eval: 'name' } } }],
                },
              },
            },
          },
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: { $eval: 'name' }, namespace: 'bench', labels },
            spec: {
              type: 'ClusterIP',
              selector: labels,
              ports: [{ name: 'http', port: 80, targetPort: 8080 }],
            },
          },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: { $eval: 'name' }, namespace: 'bench' },
            data: { 'app.yml': 'listen: 8080\nlog: info\nname: ${name}\n', ROOT_URL: '${cfg.rootUrl}' },
          },
        ],
      },
    },
  },
};

const dir = await mkdtemp(join(tmpdir(), `tci-render-bench-${process.pid}-`));
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
  const spec = await loadClusterSpec(releaseFile);
  const started = performance.now();
  const { files } = await runDeploy(spec, {
    outDir: join(dir, 'out'),
    cfg: { prefix: 'p', rootUrl: 'https://tc.example.com' },
    infra: { secret: 'app-secrets' },
    validate: true,
    emit: noEmit,
  });
  const wallMs = performance.now() - started;
  const peakMB = process.resourceUsage().maxRSS / 1024;
  const heapMB = process.memoryUsage().heapUsed / 1024 / 1024;
  console.log(`rendered, validated and wrote ${files.length} resources`);
  console.log(`wall time: ${wallMs.toFixed(0)} ms (target < 1000 ms)`);
  console.log(
    `peak memory (maxRSS): ${peakMB.toFixed(0)} MB (target < 200 MB); heap in use after: ${heapMB.toFixed(0)} MB`,
  );
  console.log(
    JSON.stringify({ wallMs: Math.round(wallMs), peakMB: Math.round(peakMB), resources: files.length }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
