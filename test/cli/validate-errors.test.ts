import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The broken-input corpus (test/fixtures/broken/<case>/): each case runs the real CLI from its
 * folder and must fail with exit 1, no stack trace, no secret, and exactly the error lines given.
 */
const corpus = fileURLToPath(new URL('../fixtures/broken/', import.meta.url));

const NAME_RULE =
  'must be lowercase letters, digits, ".", "_" or "-", start and end with a letter or digit, ' +
  'and not repeat separators (it becomes part of an image name)';
const SPEC_HINT =
  '(hint: a spec is a directory holding build.yml and deploy.yml, or a JSON file {"build": …, "deploy": …})';

interface Case {
  /** folder under test/fixtures/broken, used as the working directory */
  name: string;
  /** CLI arguments after `validate` (default: the case's `spec` folder) */
  args?: string[];
  /** makes the working directory instead of using the corpus folder (for inputs too big to commit) */
  prepare?: () => Promise<string>;
  errors: string[];
}

const cases: Case[] = [
  // YAML and files
  {
    name: 'yaml-syntax',
    errors: [
      'spec/build.yml:3: invalid YAML: Nested mappings are not allowed in compact mappings',
      'spec/build.yml:3: invalid YAML: Implicit keys need to be on a single line',
    ],
  },
  {
    name: 'build-empty',
    errors: ['spec/build.yml: file is empty (hint: it holds a mapping with a repositories list)'],
  },
  {
    name: 'deploy-empty',
    errors: ['spec/deploy.yml: file is empty (hint: it holds the JSON-e deploy template)'],
  },
  { name: 'no-build-yml', errors: ['spec/build.yml: file not found'] },
  { name: 'no-deploy-yml', errors: ['spec/deploy.yml: file not found'] },
  { name: 'spec-not-found', args: ['nowhere'], errors: [`nowhere: spec not found ${SPEC_HINT}`] },
  { name: 'build-not-mapping', errors: ['spec/build.yml:1: must be a mapping'] },
  {
    name: 'deploy-not-mapping',
    errors: ['spec/deploy.yml:1: must be a mapping (a JSON-e template with a resources list)'],
  },
  { name: 'duplicate-yaml-key', errors: ['spec/build.yml:4: invalid YAML: Map keys must be unique'] },
  { name: 'unknown-yaml-tag', errors: ['spec/build.yml:4: invalid YAML: Unresolved tag: !evn'] },
  {
    name: 'multiple-documents',
    errors: ['spec/build.yml:2: holds more than one YAML document (a second "---"); one is expected'],
  },
  {
    name: 'env-in-spec',
    errors: ['spec/build.yml:4: !env is not allowed in this file (only in config files)'],
  },
  {
    name: 'alias-bomb',
    errors: ['spec/build.yml: too many alias expansions (more than 200); refusing to expand'],
  },
  { name: 'deep-nesting', errors: ['spec/build.yml: nesting is too deep to read'] },
  {
    name: 'too-large',
    prepare: async () => {
      const dir = await tempDir();
      await mkdir(join(dir, 'spec'));
      await writeFile(join(dir, 'spec', 'build.yml'), '# padding\n'.repeat(1_100_000) + 'repositories: []\n');
      await writeFile(join(dir, 'spec', 'deploy.yml'), 'resources: []\n');
      return dir;
    },
    errors: ['spec/build.yml: file is too large (11000017 bytes; the limit is 10485760)'],
  },
  // the build section
  {
    name: 'no-repositories',
    errors: [
      'spec/build.yml:1: repositories: required field is missing',
      'spec/build.yml:1: services: unknown field (hint: known fields: repositories)',
    ],
  },
  { name: 'repositories-not-list', errors: ['spec/build.yml:1: repositories: must be a list'] },
  {
    name: 'missing-fields',
    errors: [
      'spec/build.yml:2: repositories[0].name: required field is missing',
      'spec/build.yml:2: repositories[0].source: required field is missing',
      'spec/build.yml:3: repositories[1].kind: required field is missing',
      'spec/build.yml:3: repositories[1].source: required field is missing',
    ],
  },
  {
    name: 'wrong-types',
    errors: [
      'spec/build.yml:2: repositories[0].name: must be a string',
      'spec/build.yml:4: repositories[0].source: must be a string',
      'spec/build.yml:8: repositories[1].service: must be a mapping',
    ],
  },
  {
    name: 'unknown-repository-field',
    errors: [
      'spec/build.yml:2: repositories[0].source: required field is missing',
      'spec/build.yml:4: repositories[0].sorce: unknown field (hint: known fields: name, kind, source, docs, service, exactSource)',
    ],
  },
  { name: 'bad-kind', errors: ['spec/build.yml:3: repositories[0].kind: must be "service" or "other"'] },
  {
    name: 'duplicate-names',
    errors: ['spec/build.yml:8: repositories[2].name: duplicate name "web" (also repositories[0])'],
  },
  {
    name: 'bad-names',
    errors: [2, 3, 4, 5, 6].map(
      (line) => `spec/build.yml:${line}: repositories[${line - 2}].name: ${NAME_RULE}`,
    ),
  },
  {
    name: 'bad-sources',
    errors: [
      'spec/build.yml:2: repositories[0].source: unsupported URL scheme "ftp://" (hint: use https://, http://, ssh://, git@host:path, file:// or a local path)',
      'spec/build.yml:3: repositories[1].source: source has an empty ref after "#" (hint: leave out "#" to use the default branch)',
      'spec/build.yml:4: repositories[2].source: ref "feature..x" is not a valid git ref: it cannot contain ".."',
      'spec/build.yml:5: repositories[3].source: source must not contain whitespace or control characters',
      'spec/build.yml:6: repositories[4].source: source is empty (hint: write <git url>#<ref>)',
      'spec/build.yml:7: repositories[5].source: https URL has no host',
    ],
  },
  // services
  {
    name: 'unknown-build-type',
    errors: [
      'spec/build.yml:6: repositories[0].service.buildType: unknown build type "dockr" (one of: docker, heroku-buildpack, node)',
    ],
  },
  {
    name: 'missing-build-type',
    errors: [
      'spec/build.yml:5: repositories[0].service.buildType: required field is missing (hint: one of: docker, heroku-buildpack, node)',
    ],
  },
  {
    name: 'both-build-type-spellings',
    errors: [
      'spec/build.yml:7: repositories[0].service.buildtype: buildtype is the old spelling of buildType: give only one',
    ],
  },
  {
    name: 'unknown-service-field',
    errors: ['contxt', 'stack'].map(
      (f, i) =>
        `spec/build.yml:${7 + i}: repositories[0].service.${f}: unknown field for build type "docker" (hint: known fields: context, dockerfile, buildArgs, target, secrets, builder)`,
    ),
  },
  {
    name: 'service-without-service',
    errors: [
      `spec/build.yml:2: repositories[0].service: required for kind "service" (hint: give the service's buildType (one of: docker, heroku-buildpack, node))`,
    ],
  },
  {
    name: 'other-with-service',
    errors: [
      'spec/build.yml:5: repositories[0].service: not allowed for kind "other" (hint: remove it, or use kind "service")',
    ],
  },
  {
    name: 'docker-path-escape',
    errors: ['context', 'dockerfile'].map(
      (f, i) =>
        `spec/build.yml:${7 + i}: repositories[0].service.${f}: must be a relative path inside the repository (no leading "/", no "..")`,
    ),
  },
  {
    name: 'docker-build-args',
    errors: [
      'spec/build.yml:8: repositories[0].service.buildArgs.VERSION: must be a string',
      'spec/build.yml:9: repositories[0].service.buildArgs.FLAGS: must be a string',
      'spec/build.yml:10: repositories[0].service.buildArgs["A=B"]: is not a build argument name (letters, digits and _, not starting with a digit)',
    ],
  },
  {
    name: 'heroku-missing-fields',
    errors: [
      'spec/build.yml:5: repositories[0].service.buildpack: required field is missing',
      'spec/build.yml:5: repositories[0].service.stack: required field is missing',
    ],
  },
  {
    name: 'heroku-bad-stack',
    errors: [
      'spec/build.yml:7: repositories[0].service.stack: must be "heroku-<N>", e.g. "heroku-16"',
      'spec/build.yml:14: repositories[1].service.stack: must be a string',
    ],
  },
  {
    name: 'heroku-bad-buildpack',
    errors: [
      'spec/build.yml:8: repositories[0].service.buildpack: ref "v1^2" is not a valid git ref: it cannot contain spaces, control characters or any of ~ ^ : ? * [ \\',
    ],
  },
  {
    name: 'node-no-version',
    errors: [
      'spec/build.yml:5: repositories[0].service: a node service needs exactly one of "node" (a major version) or "baseImage"',
    ],
  },
  {
    name: 'node-bad-version',
    errors: [
      'spec/build.yml:5: repositories[0].service.node: must be a Node.js major version, e.g. 20',
      'spec/build.yml:9: repositories[1].service.node: must be a Node.js major version, e.g. 20',
    ],
  },
  // JSON specs and releases
  {
    name: 'json-missing-deploy',
    args: ['spec.json'],
    errors: [`spec.json: deploy: required field is missing ${SPEC_HINT}`],
  },
  {
    name: 'json-not-object',
    args: ['spec.json'],
    errors: [`spec.json: must be a JSON object {"build": …, "deploy": …} ${SPEC_HINT}`],
  },
  {
    name: 'json-syntax-error',
    args: ['spec.json'],
    errors: ['spec.json:4: invalid JSON: Expected double-quoted property name'],
  },
  {
    name: 'json-unknown-field',
    args: ['spec.json'],
    errors: ['spec.json: relase: unknown field (hint: known fields: build, deploy, release)'],
  },
  {
    name: 'json-deploy-not-mapping',
    args: ['spec.json'],
    errors: ['spec.json: deploy: must be a mapping (a JSON-e template with a resources list)'],
  },
  {
    name: 'json-bad-release',
    args: ['spec.json'],
    errors: [
      'spec.json: release.tool.version: required field is missing',
      'spec.json: release.createdAt: must be an ISO 8601 UTC time, e.g. 2018-06-04T12:00:00.000Z',
      'spec.json: build.repositories[0].exactSource: must end in "#<40-hex commit>"',
    ],
  },
  {
    name: 'json-build-errors',
    args: ['spec.json'],
    errors: [
      'spec.json: build.repositories[0].service.buildType: unknown build type "dockr" (one of: docker, heroku-buildpack, node)',
    ],
  },
  // build config (build-config.yml in the working directory is read by default)
  {
    name: 'build-config-unset-env',
    args: ['../_ok-spec'],
    errors: [
      'build-config.yml:4: environment variable TCI_TEST_UNSET_REGISTRY_PASSWORD is not set (read by !env) (hint: set TCI_TEST_UNSET_REGISTRY_PASSWORD or remove the !env tag)',
    ],
  },
  {
    name: 'build-config-unknown-field',
    args: ['../_ok-spec'],
    errors: [
      'build-config.yml:3: imagse: unknown field (hint: known fields: docker, images, secrets, engines)',
      'build-config.yml:2: docker.repositoryPrefx: unknown field (hint: known fields: repositoryPrefix, registries, builder)',
    ],
  },
  {
    name: 'build-config-missing-password',
    args: ['../_ok-spec'],
    errors: [
      'build-config.yml: docker.registries["registry.example.com"]: needs password (after merging all build config files)',
    ],
  },
  {
    name: 'build-config-wrong-types',
    args: ['../_ok-spec'],
    errors: [
      'build-config.yml:2: docker.repositoryPrefix: must be the start of an image name, e.g. "registry.example.com/taskcluster/"',
      'build-config.yml:4: docker.registries["registry.example.com"].password: must be a string',
      'build-config.yml:6: images["node:20"]: must be a string',
    ],
  },
  {
    name: 'build-config-not-found',
    args: ['../_ok-spec', '--build-config', 'missing.yml'],
    errors: ['missing.yml: file not found'],
  },
  {
    name: 'build-config-2018-profiles',
    args: ['../_ok-spec'],
    errors: [
      'build-config.yml:4: production: unknown field (hint: in the 2018 layout only the "defaults" profile is read; move settings there)',
    ],
  },
  {
    name: 'build-config-not-mapping',
    args: ['../_ok-spec'],
    errors: ['build-config.yml:1: must be a mapping'],
  },
  {
    name: 'build-config-yaml-syntax',
    args: ['../_ok-spec'],
    errors: [
      'build-config.yml:4: invalid YAML: Missing closing "quote',
      'build-config.yml:4: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ],
  },
  {
    name: 'spec-and-config-together',
    errors: [
      'spec/build.yml:6: repositories[0].service.buildType: unknown build type "dockr" (one of: docker, heroku-buildpack, node)',
      'build-config.yml:3: imagse: unknown field (hint: known fields: docker, images, secrets, engines)',
      'build-config.yml:2: docker.repositoryPrefx: unknown field (hint: known fields: repositoryPrefix, registries, builder)',
    ],
  },
  // deploy config and infra info
  {
    name: 'deploy-config-unset-env',
    args: ['../_ok-spec', '--deploy-config', 'deploy-config.yml'],
    errors: [
      'deploy-config.yml:1: environment variable TCI_TEST_UNSET_ROOT_URL is not set (read by !env) (hint: set TCI_TEST_UNSET_ROOT_URL or remove the !env tag)',
    ],
  },
  {
    name: 'deploy-config-syntax',
    args: ['../_ok-spec', '--deploy-config', 'deploy-config.yml'],
    errors: [
      'deploy-config.yml:3: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ],
  },
  {
    name: 'infra-not-object',
    args: ['../_ok-spec', '--infra-info', 'infra.json'],
    errors: ['infra.json: must be a JSON object (hint: e.g. the output of `terraform output -json`)'],
  },
  {
    name: 'infra-syntax',
    args: ['../_ok-spec', '--infra-info', 'infra.json'],
    errors: ['infra.json:1: invalid JSON: Expected double-quoted property name'],
  },
];

describe('validate rejects broken specs and configs', () => {
  it('the corpus has at least 30 cases', () => assert.ok(cases.length >= 30, `${cases.length} cases`));

  for (const c of cases) {
    it(c.name, async () => {
      const cwd = c.prepare ? await c.prepare() : join(corpus, c.name);
      // Cases that are an empty folder (nothing to find there) do not survive a git clone.
      await mkdir(cwd, { recursive: true });
      const env = { TCI_TEST_UNSET_REGISTRY_PASSWORD: undefined, TCI_TEST_UNSET_ROOT_URL: undefined };
      const r = await runCli(['validate', ...(c.args ?? ['spec'])], { cwd, env });
      assert.equal(r.stderr, c.errors.map((e) => `error: ${e}\n`).join(''));
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.doesNotMatch(r.stderr, /\n\s+at |internal error|s3cr3t/);
    });
  }
});
