import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Releases for the deploy lifecycle tests (diff, inventory, prune), written as `build` writes
 * them: a spec with no repositories, a deploy template of literal resources and a `release`
 * block. `release1` is the baseline; `release2` drops the `worker` Deployment, changes web's
 * MODE env value and the Secret's `token`, as an upgrade would.
 */

export const NS = 'apps';
/** The Secret's `token`, before and after: must never be printed, plain or base64. */
export const TOKEN_OLD = 'old-token-Zq7Xw2';
export const TOKEN_NEW = 'new-token-Pk4Jm9';
export const b64 = (s: string) => Buffer.from(s).toString('base64');

export function deployment(name: string, env: Record<string, string> = {}): Record<string, unknown> {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name,
              image: `registry.example.com/${name}:1`,
              env: Object.entries(env).map(([k, value]) => ({ name: k, value })),
            },
          ],
        },
      },
    },
  };
}

export function secret(token: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: NS },
    type: 'Opaque',
    data: { token: b64(token), user: b64('ci-user') },
  };
}

export const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } };
export const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: NS },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
};

export function release1Resources(): Array<Record<string, unknown>> {
  return [
    namespace,
    deployment('web', { LOG: 'info', MODE: 'a', PORT: '80' }),
    deployment('worker', { LOG: 'info' }),
    service,
    secret(TOKEN_OLD),
  ];
}

export function release2Resources(): Array<Record<string, unknown>> {
  return [namespace, deployment('web', { LOG: 'info', MODE: 'b', PORT: '80' }), service, secret(TOKEN_NEW)];
}

export function releaseOf(resources: unknown[]): Record<string, unknown> {
  return {
    build: { repositories: [] },
    deploy: { resources },
    release: {
      tool: { name: 'taskcluster-installer', version: '0.1.0' },
      createdAt: '2020-01-01T00:00:00.000Z',
    },
  };
}

/** Writes a release of `resources` to `<dir>/<name>.json` and returns its path. */
export async function writeRelease(dir: string, name: string, resources: unknown[]): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(releaseOf(resources), null, 2));
  return file;
}
