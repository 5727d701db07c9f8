import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fixturesDir } from './run-cli.js';

export const spec2018Dir = join(fixturesDir, 'taskcluster-spec-2018');
export const RELEASE_CREATED_AT = '2018-06-04T12:00:00.000Z';

/** The image a release made by `release2018` pins for a service. */
export function imageOf(name: string): string {
  return `registry.example.com/taskcluster/${name}@sha256:${Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64)}`;
}

/**
 * A release of the real 2018 spec, as `build` would write it: the spec plus each repository's
 * `exactSource`, each service's `dockerImage` and `buildKey`, and a `release` block.
 */
export function release2018(): Record<string, unknown> {
  const build = parse(readFileSync(join(spec2018Dir, 'build.yml'), 'utf8')) as {
    repositories: Array<Record<string, unknown>>;
  };
  for (const repo of build.repositories) {
    repo['exactSource'] = `${String(repo['source']).split('#')[0]}#${'5'.repeat(40)}`;
    if (repo['kind'] === 'service') {
      Object.assign(repo['service'] as object, {
        dockerImage: imageOf(String(repo['name'])),
        buildKey: `key-${String(repo['name'])}`,
      });
    }
  }
  return {
    build,
    deploy: parse(readFileSync(join(spec2018Dir, 'deploy.yml'), 'utf8')) as unknown,
    release: { tool: { name: 'taskcluster-installer', version: '0.1.0' }, createdAt: RELEASE_CREATED_AT },
  };
}

export const DEPLOY_CONFIG_2018 =
  'clusterName: test-cluster\nrootUrl: https://tc.example.com\nrootHost: tc.example.com\ntlsCertSecretName: tc-tls\n';
export const INFRA_2018 = {
  auth_secret_name: 'auth-secrets',
  auth_secret_keys: ['AZURE_ACCOUNT_KEY', 'ROOT_ACCESS_TOKEN'],
};

/** Writes release.json, deploy-config.yml and infra.json for the 2018 release into `dir`. */
export async function write2018Inputs(
  dir: string,
): Promise<{ release: string; config: string; infra: string }> {
  const files = {
    release: join(dir, 'release.json'),
    config: join(dir, 'deploy-config.yml'),
    infra: join(dir, 'infra.json'),
  };
  await writeFile(files.release, JSON.stringify(release2018(), null, 2));
  await writeFile(files.config, DEPLOY_CONFIG_2018);
  await writeFile(files.infra, JSON.stringify(INFRA_2018));
  return files;
}

/** A release whose template yields `n` ConfigMaps `cm-<i>` holding `value`: a deploy as large as wanted. */
export function configMapRelease(n: number, value: string): Record<string, unknown> {
  return {
    build: { repositories: [] },
    deploy: {
      resources: {
        $map: { $eval: `range(0, ${n})` },
        'each(i)': { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-${i}' }, data: { v: value } },
      },
    },
    release: {
      tool: { name: 'taskcluster-installer', version: '0.1.0' },
      createdAt: '2020-01-01T00:00:00.000Z',
    },
  };
}
