import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceRepo } from './make-service-repos.js';

/**
 * A cluster spec directory for `repos`: one `docker` service per repository, each pinned by
 * `refs` (a full SHA, or a branch), and a deploy template with a Deployment per service, as a
 * real spec would have. Returns the directory.
 */
export function writeBenchSpec(dir: string, repos: readonly ServiceRepo[], refs: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const build = ['repositories:'];
  repos.forEach((r, i) => {
    build.push(
      `  - name: ${r.name}`,
      '    kind: service',
      `    source: ${r.path}#${refs[i] ?? r.head}`,
      '    service:',
      '      buildType: docker',
      '      buildArgs: {APP_ENV: production}',
    );
  });
  writeFileSync(join(dir, 'build.yml'), build.join('\n') + '\n');
  const deploy = ['resources:'];
  for (const r of repos) {
    deploy.push(
      `  - apiVersion: apps/v1`,
      '    kind: Deployment',
      `    metadata: {name: ${r.name}, namespace: {$eval: cfg.namespace}}`,
      '    spec:',
      `      selector: {matchLabels: {app: ${r.name}}}`,
      `      template:`,
      `        metadata: {labels: {app: ${r.name}}}`,
      '        spec:',
      '          containers:',
      `            - name: ${r.name}`,
      `              image: {$eval: "builtService('${r.name}').dockerImage"}`,
    );
  }
  writeFileSync(join(dir, 'deploy.yml'), deploy.join('\n') + '\n');
  return dir;
}

/** A build config whose images go to `registry` under a prefix unique to this benchmark. */
export function writeBuildConfig(file: string, repositoryPrefix: string): string {
  writeFileSync(file, `docker:\n  repositoryPrefix: ${repositoryPrefix}\n`);
  return file;
}
