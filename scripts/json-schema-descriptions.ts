/**
 * The descriptions editors show on hover, by shipped schema and place (see
 * scripts/generate-json-schemas.ts): `a.b` walks properties, `[]` a list's items, `#name` a
 * definition. Kept here, not in the loaders' schemas, so a wording change does not change what
 * the CLI's precompiled validators are keyed by. docs/reference/ has the full text.
 */

const repositoryFields: Record<string, string> = {
  '#repository':
    'One git repository: a service whose image is built, or another repository that is only pinned.',
  '#repository.name':
    'Unique name; part of the image name (<repositoryPrefix><name>:SVC-<build key>). Lowercase letters and digits, separated by ".", "_", "__" or "-".',
  '#repository.kind': '"service": an image is built from it; "other": only cloned and pinned to a commit.',
  '#repository.source':
    '<git url>#<ref>: https://, http://, ssh://, git@host:path, file:// or a path relative to the spec. Without #ref, the default branch.',
  '#repository.docs': 'Anything; carried into the release unchanged.',
  '#repository.exactSource': 'Written by build into a release: <url>#<40-hex commit>.',
  '#service': 'How the image is built; buildType selects the fields allowed.',
  '#service.buildType':
    'docker, heroku-buildpack or node; docs, tools-ui and references (2018 site builders) are recognised but not built.',
  '#dockerService.context': 'Folder of the repository sent to Docker (default: its root).',
  '#dockerService.dockerfile': 'Path of the Dockerfile inside the context (default: Dockerfile).',
  '#dockerService.buildArgs': 'Build arguments (ARG) by name; part of the build key.',
  '#dockerService.target': 'The build stage to build (docker build --target).',
  '#dockerService.dockerImage': 'Written by build into a release: the image, by digest once pushed.',
  '#dockerService.buildKey':
    'Written by build into a release: the hash of everything that can change the image.',
  '#heroku-buildpackService.buildpack': 'The buildpack: a git source like `source`.',
  '#heroku-buildpackService.stack': 'The Heroku stack whose build and run images are used: heroku-<N>.',
  '#nodeService.node': 'Node.js major version; the base image is node:<version>. Give this or baseImage.',
  '#nodeService.baseImage': 'A base image with Node.js and npm. Give this or node.',
  '#nodeService.buildScript': 'A package.json script run with dev dependencies before they are pruned.',
};

const releaseFields = (at: string): Record<string, string> => ({
  [at]: 'Added by build: which tool wrote the release, and when (the deploy template clock).',
  [`${at}.tool`]: 'Name and version of the tool that wrote the release.',
  [`${at}.createdAt`]: 'When the release was written, ISO 8601 UTC; JSON-e `now` renders as this time.',
});

const jsonForm = (what: string): Record<string, string> => ({
  '': what,
  build: 'What build.yml holds: the repositories.',
  'build.repositories': 'The repositories: services to build and other repositories to pin.',
  deploy:
    'The JSON-e deploy template (what deploy.yml holds), rendered with cfg, infra, build and builtService.',
  ...releaseFields('release'),
  ...repositoryFields,
});

const buildConfigFields: Record<string, string> = {
  '#config.docker': 'Where images go and how to log in to registries.',
  '#config.docker.repositoryPrefix':
    'Start of every image name: <prefix><service name>:SVC-<build key>, e.g. registry.example.com/taskcluster/.',
  '#config.docker.registries': 'Credentials by registry host; a password may come from `!env NAME`.',
  '#config.images':
    'Replaces base images the tool itself chooses (node:<N>, heroku/heroku:<N>), e.g. by a mirror.',
};

export const DESCRIPTIONS: Record<string, Record<string, string>> = {
  'build.schema.json': {
    '': 'taskcluster-installer cluster spec, build.yml: the repositories to pin and the services to build.',
    repositories: 'The repositories: services to build and other repositories to pin.',
    ...repositoryFields,
  },
  'cluster-spec.schema.json': jsonForm(
    'taskcluster-installer cluster spec in one JSON file: {"build", "deploy"}.',
  ),
  'release.schema.json': jsonForm(
    'taskcluster-installer release, written by build: the spec with every source pinned to a commit and every image named.',
  ),
  'build-config.schema.json': {
    '': 'taskcluster-installer build config (build-config.yml, --build-config): image names, registry credentials, base image replacements.',
    ...buildConfigFields,
  },
  'deploy-config.schema.json': {
    '': 'taskcluster-installer deploy config (deploy-config.yml, --deploy-config): free-form settings the deploy template reads as cfg.',
  },
  'infra.schema.json': {
    '': 'taskcluster-installer infrastructure information (--infra-info): a JSON object, or the output of `terraform output -json`; the deploy template reads it as infra.',
  },
};
