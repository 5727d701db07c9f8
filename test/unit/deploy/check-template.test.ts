import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem, type Problem } from '../../../src/core/problem.js';
import { checkTemplate } from '../../../src/deploy/check-template.js';
import { buildTypes } from '../../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../../src/inputs/cluster-spec.js';
import type { DeployConfig } from '../../../src/inputs/types.js';
import { deploymentYml, writeSpecDir } from '../../helpers/spec-dir.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** `validate`'s template check of a spec whose deploy.yml holds one Deployment with these parts. */
async function check(
  parts: { replicas?: string; container?: string; namespace?: string },
  cfg?: DeployConfig,
): Promise<{ warnings: string[]; problems: string[] }> {
  const dir = await tempDir();
  await writeSpecDir(
    dir,
    deploymentYml({
      ...parts,
      container: parts.container ?? `{name: web, image: {$eval: "builtService('web').dockerImage"}}`,
    }),
  );
  const spec = await loadClusterSpec(dir, { serviceTypes: buildTypes });
  const c = await checkTemplate(spec, cfg !== undefined ? { cfg, infra: {} } : {});
  const show = (ps: Problem[]) => ps.map((p) => formatProblem(p).replace(`${dir}/`, ''));
  return { warnings: show(c.warnings), problems: show(c.problems) };
}

const missingCfg = (names: string) =>
  `deploy.yml: the deploy template needs values that were not given: ${names} (hint: supply them with --deploy-config to check the template fully)`;

describe('validate checks rendered resources against the Kubernetes schemas, as deploy does', () => {
  it('a spec that was never built: its placeholder images are strings, as real ones, and pass', async () => {
    assert.deepEqual(await check({}), { warnings: [], problems: [] });
  });

  it('values the template writes are checked: replicas "one", an object for image', async () => {
    const expected = [
      'Deployment-web.json: spec.replicas: must be integer',
      'Deployment-web.json: spec.template.spec.containers[0].image: must be string',
    ];
    const parts = {
      replicas: '"one"',
      container: `{name: web, image: {name: {$eval: "builtService('web').dockerImage"}}}`,
    };
    assert.deepEqual((await check(parts)).problems, expected);
    assert.deepEqual((await check(parts, {})).problems, expected);
  });

  it('without cfg, a field holding a stand-in is not judged by the stand-in: it is text, the real value may not be', async () => {
    assert.deepEqual(await check({ replicas: '{$eval: cfg.replicas}', namespace: '"${cfg.env}-apps"' }), {
      warnings: [missingCfg('cfg.env, cfg.replicas')],
      problems: [],
    });
  });

  it('with cfg given, the same field is checked with the real value', async () => {
    assert.deepEqual(await check({ replicas: '{$eval: cfg.replicas}' }, { replicas: 'two' }), {
      warnings: [],
      problems: ['Deployment-web.json: spec.replicas: must be integer'],
    });
  });

  it('without cfg, a stand-in object may hold the required fields a merge needs; with cfg it must', async () => {
    const container = '{$merge: [{$eval: cfg.container}, {image: busybox}]}';
    assert.deepEqual(await check({ container }), { warnings: [missingCfg('cfg.container')], problems: [] });
    assert.deepEqual((await check({ container }, { container: { command: ['true'] } })).problems, [
      'Deployment-web.json: spec.template.spec.containers[0].name: is required',
    ]);
  });

  it('without cfg, a required field the template itself leaves out is still an error', async () => {
    assert.deepEqual(await check({ replicas: '{$eval: cfg.replicas}', container: '{image: busybox}' }), {
      warnings: [missingCfg('cfg.replicas')],
      problems: ['Deployment-web.json: spec.template.spec.containers[0].name: is required'],
    });
  });
});
