import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { generateJsonSchemas, schemasDir } from '../../../scripts/generate-json-schemas.js';
import { UserError } from '../../../src/core/user-error.js';
import { loadBuildConfig } from '../../../src/inputs/build-config.js';
import { buildTypes } from '../../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../../src/inputs/cluster-spec.js';
import { starterSpecFiles } from '../../../src/cli/commands/starter-spec.js';
import { fixturesDir, repoRoot } from '../../helpers/run-cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

const shipped = async (name: string): Promise<object> =>
  JSON.parse(await readFile(join(schemasDir, name), 'utf8')) as object;

/** The shipped schema as an editor or another tool would apply it. */
async function validatorOf(name: string): Promise<(data: unknown) => boolean> {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  ajv.addKeyword('errorMessage');
  const validate = ajv.compile(await shipped(name));
  return (data) => validate(data);
}

async function loaderAccepts(load: () => Promise<unknown>): Promise<boolean> {
  try {
    await load();
    return true;
  } catch (e) {
    if (e instanceof UserError) return false;
    throw e;
  }
}

test('the shipped JSON Schemas are those the loaders validate with, up to date', async () => {
  const expected = await generateJsonSchemas();
  const files = (await readdir(schemasDir)).sort();
  assert.deepEqual(files, Object.keys(expected).sort(), 'schemas/ holds exactly the generated files');
  for (const [name, text] of Object.entries(expected)) {
    assert.equal(
      (await readFile(join(schemasDir, name), 'utf8')) === text,
      true,
      `schemas/${name} is stale: run \`npm run generate:schemas\` and commit it`,
    );
  }
});

const service = (fields: string) =>
  `repositories:\n  - name: web\n    kind: service\n    source: ../web#main\n    service:\n${fields}`;

/** build.yml documents on both sides of every rule the schema carries. */
const buildDocs: Array<[string, string]> = [
  ['a docker service', service('      buildType: docker\n      context: app\n      buildArgs: {A: "1"}\n')],
  ['the old spelling buildtype', service('      buildtype: docker\n')],
  ['a node service by version', service('      buildType: node\n      node: 20\n')],
  ['a node service by base image', service('      buildType: node\n      baseImage: node:20-slim\n')],
  ['a node service with both', service('      buildType: node\n      node: 20\n      baseImage: x\n')],
  ['a node service with neither', service('      buildType: node\n')],
  [
    'a buildpack service',
    service('      buildType: heroku-buildpack\n      buildpack: ../bp#main\n      stack: heroku-22\n'),
  ],
  [
    'a buildpack service without stack',
    service('      buildType: heroku-buildpack\n      buildpack: ../bp#main\n'),
  ],
  [
    'a bad stack',
    service('      buildType: heroku-buildpack\n      buildpack: ../bp#main\n      stack: cedar\n'),
  ],
  ['a site build type with any fields', service('      buildType: docs\n      anything: 1\n')],
  ['an unknown build type', service('      buildType: dockr\n')],
  ['no build type', service('      context: app\n')],
  ['both spellings', service('      buildType: docker\n      buildtype: docker\n')],
  ['a field of another build type', service('      buildType: docker\n      stack: heroku-22\n')],
  ['a typo in a docker field', service('      buildType: docker\n      contxt: app\n')],
  ['a bad build argument name', service('      buildType: docker\n      buildArgs: {"A B": x}\n')],
  ['an empty dockerfile', service('      buildType: docker\n      dockerfile: ""\n')],
  ['a bad name', 'repositories:\n  - {name: Web, kind: other, source: ../web}\n'],
  ['an unknown kind', 'repositories:\n  - {name: web, kind: lib, source: ../web}\n'],
  ['kind other', 'repositories:\n  - {name: web, kind: other, source: ../web, docs: {tier: 1}}\n'],
  [
    'kind other with a service',
    'repositories:\n  - {name: web, kind: other, source: ../web, service: {buildType: docker}}\n',
  ],
  ['kind service without a service', 'repositories:\n  - {name: web, kind: service, source: ../web}\n'],
  ['a missing source', 'repositories:\n  - {name: web, kind: other}\n'],
  ['an unknown top-level field', 'repositories: []\nimages: {}\n'],
  ['no repositories', 'images: {}\n'],
];

describe('the shipped schemas and the loaders agree', () => {
  it('build.schema.json accepts exactly the build.yml documents validate accepts', async () => {
    const schema = await validatorOf('build.schema.json');
    const dir = await tempDir();
    await writeFile(join(dir, 'deploy.yml'), 'resources: []\n');
    const disagree: string[] = [];
    for (const [what, text] of buildDocs) {
      await writeFile(join(dir, 'build.yml'), text);
      const loader = await loaderAccepts(() => loadClusterSpec(dir, { serviceTypes: buildTypes }));
      if (schema(parse(text)) !== loader) disagree.push(`${what}: loader ${loader ? 'accepts' : 'refuses'}`);
    }
    assert.deepEqual(disagree, []);
    // Both sides were exercised.
    assert.ok(buildDocs.length > 20);
  });

  it('build.schema.json accepts the bundled example and the 2018 Taskcluster spec', async () => {
    const schema = await validatorOf('build.schema.json');
    for (const file of [
      join(repoRoot, 'examples/spec/build.yml'),
      join(fixturesDir, 'taskcluster-spec-2018/build.yml'),
    ]) {
      assert.equal(schema(parse(await readFile(file, 'utf8'))), true, file);
    }
  });

  it('the files init writes name the shipped schemas, which accept them', async () => {
    const files = starterSpecFiles('1.2.3');
    for (const [file, schemaName] of [
      ['build.yml', 'build.schema.json'],
      ['deploy-config.yml', 'deploy-config.schema.json'],
    ] as const) {
      const text = files[file] ?? '';
      assert.match(
        text,
        new RegExp(`^# yaml-language-server: \\$schema=\\S+@1\\.2\\.3/schemas/${schemaName}\n`),
      );
      assert.equal((await validatorOf(schemaName))(parse(text)), true, file);
    }
  });

  it('release.schema.json needs the release block; cluster-spec.schema.json does not', async () => {
    const release = await validatorOf('release.schema.json');
    const spec = await validatorOf('cluster-spec.schema.json');
    const build = parse(await readFile(join(repoRoot, 'examples/spec/build.yml'), 'utf8')) as unknown;
    const block = {
      tool: { name: 'taskcluster-installer', version: '1.0.0' },
      createdAt: '2024-01-01T00:00:00.000Z',
    };
    assert.equal(spec({ build, deploy: { resources: [] } }), true);
    assert.equal(release({ build, deploy: { resources: [] } }), false);
    assert.equal(release({ build, deploy: { resources: [] }, release: block }), true);
    assert.equal(
      release({ build, deploy: { resources: [] }, release: { ...block, createdAt: 'today' } }),
      false,
    );
    assert.equal(spec({ build, deploy: [], extra: 1 }), false);
  });

  it('build-config.schema.json accepts exactly the build config files the loader accepts', async () => {
    const schema = await validatorOf('build-config.schema.json');
    const docs: Array<[string, string]> = [
      [
        'prefix and images',
        'docker:\n  repositoryPrefix: registry.example.com/tc/\nimages:\n  "node:20": mirror/node:20\n',
      ],
      ['registries', 'docker:\n  registries:\n    r.example.com: {username: u, password: p}\n'],
      ['the 2018 layout', 'defaults:\n  docker:\n    repositoryPrefix: org/tc-\n'],
      ['an empty 2018 profile', 'defaults:\n'],
      ['a profile beside defaults', 'defaults: {}\nstaging: {}\n'],
      ['a bad prefix', 'docker:\n  repositoryPrefix: "Not An Image/"\n'],
      ['an unknown field', 'docker:\n  repositoryPrefx: a/\n'],
      ['a registry field', 'docker:\n  registries:\n    r.example.com: {user: u}\n'],
      ['an empty image', 'images:\n  "node:20": ""\n'],
    ];
    const dir = await tempDir();
    const disagree: string[] = [];
    for (const [what, text] of docs) {
      await writeFile(join(dir, 'c.yml'), text);
      const loader = await loaderAccepts(() => loadBuildConfig(['c.yml'], dir, {}));
      if (schema(parse(text) ?? {}) !== loader)
        disagree.push(`${what}: loader ${loader ? 'accepts' : 'refuses'}`);
    }
    assert.deepEqual(disagree, []);
  });

  it('deploy-config and infra schemas take any mapping, and nothing else', async () => {
    for (const name of ['deploy-config.schema.json', 'infra.schema.json']) {
      const schema = await validatorOf(name);
      assert.equal(schema({ namespace: 'x', n: { deep: [1] } }), true);
      assert.equal(schema(['a']), false);
    }
  });
});
