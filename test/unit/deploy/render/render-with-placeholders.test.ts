import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem } from '../../../../src/core/problem.js';
import { renderWithPlaceholders } from '../../../../src/deploy/render/render-with-placeholders.js';
import { buildTypes } from '../../../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../../../src/inputs/cluster-spec.js';
import type { ClusterSpec } from '../../../../src/inputs/types.js';
import { DEPLOY_CONFIG_2018, INFRA_2018, spec2018Dir } from '../../../helpers/deploy-release.js';
import { deploymentYml, writeSpecDir } from '../../../helpers/spec-dir.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { parse } from 'yaml';

async function specWith(deployYml: string): Promise<ClusterSpec> {
  return await loadClusterSpec(await writeSpecDir(await tempDir(), deployYml), { serviceTypes: buildTypes });
}

const format = (c: {
  warnings: Parameters<typeof formatProblem>[0][];
  problems: Parameters<typeof formatProblem>[0][];
}) => ({
  warnings: c.warnings.map(formatProblem),
  problems: c.problems.map(formatProblem),
});

test('the 2018 spec without cfg and infra: one warning naming every value to supply', async () => {
  const spec = await loadClusterSpec(spec2018Dir, { serviceTypes: buildTypes });
  assert.deepEqual(format(renderWithPlaceholders(spec, {})), {
    warnings: [
      `${spec.files.deploy}: the deploy template needs values that were not given: cfg.clusterName, cfg.rootUrl, infra.auth_secret_keys, infra.auth_secret_name, cfg.tlsCertSecretName, cfg.rootHost (hint: supply them with --deploy-config and --infra-info to check the template fully)`,
    ],
    problems: [],
  });
});

test('the 2018 spec with cfg and infra given: no warning, no problem', async () => {
  const spec = await loadClusterSpec(spec2018Dir, { serviceTypes: buildTypes });
  const cfg = parse(DEPLOY_CONFIG_2018) as Record<string, unknown>;
  assert.deepEqual(format(renderWithPlaceholders(spec, { cfg, infra: INFRA_2018 })), {
    warnings: [],
    problems: [],
  });
});

test('with cfg given, a value missing from it is an error', async () => {
  const spec = await loadClusterSpec(spec2018Dir, { serviceTypes: buildTypes });
  const c = format(renderWithPlaceholders(spec, { cfg: { clusterName: 'x' }, infra: INFRA_2018 }));
  assert.deepEqual(c.warnings, []);
  assert.match(
    c.problems[0] ?? '',
    /deploy\.yml:\d+: resources\[4\]\.spec\.in\.template\.spec\.containers\[0\]\.env.*object has no property "rootUrl"/,
  );
});

test('stand-ins take the shape the template needs: lists, nested objects, numbers', async () => {
  const spec = await specWith(`resources:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: {$eval: cfg.name}}
    data:
      host: {$eval: cfg.db.host}
      each:
        $map: {$eval: infra.items}
        each(i): {$eval: i.id}
      count: {$eval: cfg.replicas + 1}
`);
  assert.deepEqual(format(renderWithPlaceholders(spec, {})).problems, []);
  assert.deepEqual(
    renderWithPlaceholders(spec, {}).warnings[0]?.message,
    'the deploy template needs values that were not given: cfg.name, cfg.db.host, infra.items.id, cfg.replicas',
  );
});

test('template errors stay errors even without cfg and infra', async () => {
  const cases: Array<[string, RegExp]> = [
    [
      'resources:\n  - {$eval: "builtService(\'nope\')"}\n',
      /builtService\("nope"\): no service of that name \(services: web\)/,
    ],
    [
      'resources:\n  - a: {$eval: "cfg.x"}\n    b: {$nosuch: 1}\n',
      /resources\[0\]\.b: \$<identifier> is reserved/,
    ],
    [
      'items:\n  - {$eval: cfg.x}\n',
      /must render to an object with a "resources" list, but it yielded an object with keys items/,
    ],
    ['resources:\n  - {$eval: "cfg.a +"}\n', /could not be rendered/],
  ];
  for (const [tpl, expected] of cases) {
    const c = format(renderWithPlaceholders(await specWith(tpl), {}));
    assert.equal(c.problems.length, 1, `${tpl}: ${JSON.stringify(c)}`);
    assert.match(c.problems[0] ?? '', expected);
  }
});

test('placeholder build results stand in for the images of a spec that was never built', async () => {
  const spec = await specWith(`resources:
  - apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec: {containers: [{name: c, image: {$eval: "builtService('web').dockerImage"}}]}
`);
  assert.deepEqual(format(renderWithPlaceholders(spec, { cfg: {}, infra: {} })), {
    warnings: [],
    problems: [],
  });
});

/** A Deployment whose one container runs `sh -c <script>`. */
const shellTemplate = (script: string) =>
  deploymentYml({
    name: '{$eval: cfg.name}',
    container: `{name: web, image: busybox, command: ${JSON.stringify(['sh', '-c', script])}}`,
  });

test('a shell variable in a string is an error with the $${ escape as hint, with or without cfg', async () => {
  const spec = await specWith(shellTemplate('echo ${HOME}'));
  const expected = `${spec.files.deploy}:12: resources[0].spec.template.spec.containers[0].command[2]: unknown context value HOME (evaluating "echo \${HOME}") (hint: write $\${HOME} for a literal \${HOME}: JSON-e reads every \${…} in a string as an expression, and $\${ stands for a literal \${)`;
  // Without cfg it used to be a warning about stand-ins, and validate passed.
  assert.deepEqual(format(renderWithPlaceholders(spec, {})), { warnings: [], problems: [expected] });
  assert.deepEqual(format(renderWithPlaceholders(spec, { cfg: { name: 'web' }, infra: {} })), {
    warnings: [],
    problems: [expected],
  });
});

test('the hint names the shell expression that failed: a default value, one beside a real expression', async () => {
  const hintOf = async (script: string) =>
    renderWithPlaceholders(await specWith(shellTemplate(script)), {}).problems.map((p) => p.hint);
  assert.deepEqual(await hintOf('echo ${HOME:-/root}'), [
    'write $${HOME:-/root} for a literal ${HOME:-/root}: JSON-e reads every ${…} in a string as an expression, and $${ stands for a literal ${',
  ]);
  assert.deepEqual(await hintOf('echo ${cfg.name} ${USER} $${HOME}'), [
    'write $${USER} for a literal ${USER}: JSON-e reads every ${…} in a string as an expression, and $${ stands for a literal ${',
  ]);
});

test('what the hint says works: $${HOME} renders as ${HOME}, which the shell then expands', async () => {
  const spec = await specWith(shellTemplate('echo $${HOME} ${cfg.name}'));
  const c = renderWithPlaceholders(spec, { cfg: { name: 'web' }, infra: {} });
  assert.deepEqual(format(c), { warnings: [], problems: [] });
  const deployment = c.rendered?.resources[0] as {
    spec: { template: { spec: { containers: Array<{ command: string[] }> } } };
  };
  assert.deepEqual(deployment.spec.template.spec.containers[0]?.command, ['sh', '-c', 'echo ${HOME} web']);
});
