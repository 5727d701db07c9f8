import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatProblem } from '../../../../src/core/problem.js';
import { isUserError } from '../../../../src/core/user-error.js';
import {
  describeRenderError,
  renderTemplate,
  resourcesOf,
} from '../../../../src/deploy/render/render-template.js';
import { buildTypes } from '../../../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../../../src/inputs/cluster-spec.js';
import type { ClusterSpec } from '../../../../src/inputs/types.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const BUILD = `repositories:
  - name: web
    kind: service
    source: https://git.example.com/web.git#main
    service: {buildType: docker}
  - name: api
    kind: service
    source: https://git.example.com/api.git#main
    service: {buildType: docker}
  - name: lib
    kind: other
    source: https://git.example.com/lib.git#main
`;

async function specWith(deployYml: string): Promise<{ spec: ClusterSpec; deployFile: string }> {
  const dir = await tempDir();
  await writeFile(join(dir, 'build.yml'), BUILD);
  await writeFile(join(dir, 'deploy.yml'), deployYml);
  return {
    spec: await loadClusterSpec(dir, { serviceTypes: buildTypes }),
    deployFile: join(dir, 'deploy.yml'),
  };
}

function renderError(spec: ClusterSpec, values = { cfg: {}, infra: {} }): string {
  try {
    renderTemplate(spec, values);
  } catch (e) {
    return formatProblem(describeRenderError(spec, e));
  }
  assert.fail('render succeeded');
}

test('context: cfg, infra, build and builtService; now is pinned to release.createdAt', async () => {
  const dir = await tempDir();
  const file = join(dir, 'release.json');
  const release = {
    build: {
      repositories: [
        {
          name: 'web',
          kind: 'service',
          source: 'https://git.example.com/web.git#main',
          service: { buildType: 'docker', dockerImage: 'r/web:SVC-1', buildKey: 'k1' },
        },
      ],
    },
    deploy: {
      resources: [
        {
          image: { $eval: "builtService('web').dockerImage" },
          key: { $eval: "builtService('web').buildKey" },
          cfg: { $eval: 'cfg.a' },
          infra: '${infra.b}',
          repos: { $eval: 'len(build.repositories)' },
          now: { $eval: 'now' },
          tomorrow: { $fromNow: '1 day' },
        },
      ],
    },
    release: {
      tool: { name: 'taskcluster-installer', version: '0.1.0' },
      createdAt: '2018-06-04T12:00:00.000Z',
    },
  };
  await writeFile(file, JSON.stringify(release));
  const spec = await loadClusterSpec(file, { serviceTypes: buildTypes });
  const result = renderTemplate(spec, { cfg: { a: 1 }, infra: { b: 'two' } });
  assert.deepEqual(resourcesOf(spec, result), [
    {
      image: 'r/web:SVC-1',
      key: 'k1',
      cfg: 1,
      infra: 'two',
      repos: 1,
      now: '2018-06-04T12:00:00.000Z',
      tomorrow: '2018-06-05T12:00:00.000Z',
    },
  ]);
});

test('an unknown service in builtService lists the known ones, with file, line and template path', async () => {
  const { spec, deployFile } = await specWith(`resources:
  - apiVersion: v1
    kind: Service
    metadata: {name: x}
    spec:
      $let:
        svc: {$eval: "builtService('wbe')"}
      in: {}
`);
  assert.equal(
    renderError(spec),
    `${deployFile}:7: resources[0].spec.$let.svc: builtService("wbe"): no service of that name (services: api, web) (evaluating "builtService('wbe')")`,
  );
});

test('a missing cfg value names the path, line and expression', async () => {
  const { spec, deployFile } = await specWith(`resources:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: {$eval: cfg.name}
`);
  assert.equal(
    renderError(spec),
    `${deployFile}:5: resources[0].metadata.name: object has no property "name" (evaluating "cfg.name")`,
  );
});

test('a spec that is not a release hints to build first when the template reads dockerImage', async () => {
  const { spec } = await specWith(`resources:
  - image: {$eval: "builtService('web').dockerImage"}
`);
  assert.match(
    renderError(spec),
    /object has no property "dockerImage".*\(hint: this spec is not a release, so it has no images: build it first and deploy the release\)$/,
  );
});

test('syntax errors and unknown operators are reported with their location', async () => {
  const { spec } = await specWith(`resources:
  - a: {$eval: "cfg.x +"}
`);
  // JSON-e fails on `cfg.x +` with a plain error and no location; the node is found by trying.
  assert.match(
    renderError(spec),
    /deploy\.yml:2: resources\[0\]\.a: the deploy template could not be rendered: .*\(evaluating "cfg\.x \+"\) \(hint: the expression is malformed\)$/,
  );
  const { spec: spec2 } = await specWith(`resources:
  - b: {$nosuch: 1}
`);
  assert.match(
    renderError(spec2),
    /deploy\.yml:2: resources\[0\]\.b: \$<identifier> is reserved; use \$\$<identifier>/,
  );
});

test('a result without a resources list says what the template yielded', async () => {
  const cases: Array<[string, string]> = [
    [
      '[1, 2]',
      'the deploy template must render to an object with a "resources" list, but it yielded a list of 2 items',
    ],
    [
      '{items: []}',
      'the deploy template must render to an object with a "resources" list, but it yielded an object with keys items',
    ],
    [
      '{resources: {a: 1}}',
      'resources: must render to a list of resources, but it yielded an object with keys a',
    ],
    ['{resources: "x"}', 'resources: must render to a list of resources, but it yielded a string ("x")'],
  ];
  for (const [tpl, message] of cases) {
    const { spec } = await specWith(`$let: {}\nin: ${tpl}\n`);
    try {
      resourcesOf(spec, renderTemplate(spec, { cfg: {}, infra: {} }));
      assert.fail('no error');
    } catch (e) {
      assert.ok(isUserError(e));
      assert.ok(
        formatProblem(e.problems[0] ?? { message: '' }).endsWith(message),
        formatProblem(e.problems[0] ?? { message: '' }),
      );
    }
  }
});

test('in a JSON spec the path starts at deploy', async () => {
  const dir = await tempDir();
  const file = join(dir, 'spec.json');
  await writeFile(
    file,
    JSON.stringify({ build: { repositories: [] }, deploy: { resources: [{ a: { $eval: 'cfg.nope' } }] } }),
  );
  const spec = await loadClusterSpec(file, { serviceTypes: buildTypes });
  assert.equal(
    renderError(spec),
    `${file}: deploy.resources[0].a: object has no property "nope" (evaluating "cfg.nope")`,
  );
});
