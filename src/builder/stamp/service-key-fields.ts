import type { ServiceBuild } from '../../inputs/types.js';

/**
 * The build fields of a service as they enter the build key, with defaults filled in and
 * paths normalised, so that `context: ./app/` and `context: app`, or an omitted
 * `dockerfile` and `dockerfile: Dockerfile`, give the same key. A buildpack enters as its
 * commit (BuildKeyInputs.extraCommits), never as its URL or credentials.
 */
export function serviceKeyFields(service: ServiceBuild): Record<string, unknown> {
  switch (service.buildType) {
    case 'docker':
      return {
        context: normalisePath(service.context),
        dockerfile: normalisePath(service.dockerfile ?? 'Dockerfile'),
        buildArgs: service.buildArgs ?? {},
        target: service.target ?? null,
      };
    case 'heroku-buildpack':
      return { stack: service.stack };
    case 'node':
      return {
        node: service.node ?? null,
        baseImage: service.baseImage ?? null,
        buildScript: service.buildScript ?? null,
      };
    case 'docs':
    case 'tools-ui':
    case 'references':
      return {};
    default: {
      const never: never = service;
      return never;
    }
  }
}

/** A folder or file inside a repository, as one spelling: `./a//b/` -> `a/b`, `` -> `.`. */
export function normalisePath(p: string | undefined): string {
  const parts: string[] = [];
  for (const seg of (p ?? '').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}
