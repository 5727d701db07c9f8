import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes a cluster spec into `dir`: a build.yml with one `docker` service (`web` from a URL no
 * test fetches, unless another is given) and `deployYml` as deploy.yml. Returns `dir`.
 */
export async function writeSpecDir(
  dir: string,
  deployYml = 'resources: []\n',
  service: { name: string; source: string } = { name: 'web', source: 'https://git.example.com/web.git' },
): Promise<string> {
  await writeFile(
    join(dir, 'build.yml'),
    `repositories:\n  - name: ${service.name}\n    kind: service\n    source: ${service.source}\n    service: {buildType: docker}\n`,
  );
  await writeFile(join(dir, 'deploy.yml'), deployYml);
  return dir;
}

/**
 * A deploy.yml of one Deployment whose parts are YAML text: `container` is the one container
 * as a flow mapping on line 12 (`{name: web, image: busybox}`).
 */
export function deploymentYml(parts: {
  container: string;
  name?: string;
  namespace?: string;
  replicas?: string;
}): string {
  return `resources:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: ${parts.name ?? 'web'}, namespace: ${parts.namespace ?? 'apps'}}
    spec:
      replicas: ${parts.replicas ?? '2'}
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - ${parts.container}
`;
}
