import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceBuild } from '../../../../src/build-types/build-type.js';
import { recordLastBuild } from '../../../../src/builder/plan/last-build.js';
import { planService } from '../../../../src/builder/plan/plan-service.js';
import { GitTrees } from '../../../../src/builder/producers/git-trees.js';
import type { BuildableService } from '../../../../src/builder/plan/service-plan.js';
import type { ImageProducer } from '../../../../src/builder/producers/image-producer.js';
import { canonicalJson } from '../../../../src/core/canonical-json.js';
import type { CommitSha } from '../../../../src/inputs/types.js';
import { digestOf } from '../../../helpers/fake-engine.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const COMMIT = 'a'.repeat(40) as CommitSha;

/** A service whose build type counts how often its base images are asked for. */
function service(asked: string[]): BuildableService {
  const build: ServiceBuild = {
    buildType: 'fake',
    stepVersion: 'fake-1',
    keyFields: { flavour: 'plain' },
    secrets: [],
    extraSources: {},
    baseImages: async (ctx) => {
      asked.push(ctx.commit);
      return [ctx.images['base:1'] ?? 'base:1'];
    },
    image: { kind: 'engine', build: async () => undefined },
  };
  return {
    kind: 'service',
    name: 'api',
    index: 0,
    source: { url: 'x' },
    raw: { name: 'api', kind: 'service', source: 'x' },
    service: build,
  };
}

/** A producer whose base images are found (or, `unknown`, not) and which always says build. */
function producer(opts: { unknown?: string } = {}): ImageProducer {
  return {
    reproducible: false,
    engineUse: 'image',
    keyExtras: { platform: 'linux/amd64' },
    resolveBases: async (_s, refs) => ({
      bases:
        opts.unknown !== undefined
          ? []
          : refs.map((ref) => ({ ref, digest: digestOf(ref), source: 'registry' as const })),
      ...(opts.unknown !== undefined ? { unknown: opts.unknown } : {}),
    }),
    decide: async (_job, whyBuild) => ({ action: 'build', reason: whyBuild }),
    steps: () => [],
    afterImageWork: async () => undefined,
  };
}

const sources = {
  main: { commit: COMMIT, clonePath: '/nonexistent', exactSource: `x#${COMMIT}` },
  extra: {},
};
const options = (baseDir: string, images: Record<string, string> = {}) => ({
  baseDir,
  repositoryPrefix: 'registry.example.com/tc/',
  images,
  noCache: false,
  dryRun: false,
  trees: new GitTrees(),
});

test('a plan names the key, the tag made of it, and the inputs it hashes', async () => {
  const plan = await planService(service([]), sources, producer(), options(await tempDir()));
  assert.match(String(plan.key), /^[0-9a-f]{32}$/);
  assert.equal(plan.tag, `registry.example.com/tc/api:SVC-${plan.key}`);
  assert.deepEqual(plan.inputs, {
    stepVersion: 'fake-1',
    buildType: 'fake',
    commit: COMMIT,
    serviceFields: { flavour: 'plain' },
    extraCommits: {},
    platform: 'linux/amd64',
    baseImages: { 'base:1': digestOf('base:1') },
  });
  assert.deepEqual(
    [plan.action, plan.reason],
    ['build', 'no image for these inputs (first build in this base dir)'],
  );
});

test('a repeated plan takes the base images from the last build: no file is read at the commit', async () => {
  const baseDir = await tempDir();
  const asked: string[] = [];
  const first = await planService(service(asked), sources, producer(), options(baseDir));
  const record = {
    inputs: first.inputs,
    baseImageRefs: first.baseImageRefs,
    imagesMap: canonicalJson({}),
    buildKey: String(first.key),
  };
  await recordLastBuild(baseDir, 'api', record, undefined);
  const again = await planService(service(asked), sources, producer(), options(baseDir));
  assert.equal(asked.length, 1);
  assert.equal(again.key, first.key);
  assert.equal(again.reason, 'the image for these inputs is gone');
  // Another `images` map may name other base images: they are asked for again.
  const mapped = await planService(
    service(asked),
    sources,
    producer(),
    options(baseDir, { 'base:1': 'mirror/base:1' }),
  );
  assert.equal(asked.length, 2);
  assert.deepEqual(mapped.changed, ['baseImages.base:1', 'baseImages.mirror/base:1']);
});

test('a dry run whose base images cannot be found has no key, and says why it would build', async () => {
  const plan = await planService(
    service([]),
    sources,
    producer({ unknown: 'base image base:1 is neither local nor in its registry' }),
    { ...options(await tempDir()), dryRun: true },
  );
  assert.equal(plan.key, undefined);
  assert.equal(plan.tag, undefined);
  assert.deepEqual(
    [plan.action, plan.reason],
    ['build', 'base image base:1 is neither local nor in its registry'],
  );
});

/** A service whose build type says what of the repository its image is made of. */
function keyedBySource(asked: string[], source: () => Record<string, string>): BuildableService {
  const s = service([]);
  return {
    ...s,
    service: {
      ...s.service,
      sourceKey: async (ctx) => {
        asked.push(ctx.commit);
        return source();
      },
    },
  };
}

test("a build type's source key replaces the commit: another commit with the same files gives the same key", async () => {
  const baseDir = await tempDir();
  const asked: string[] = [];
  let files = { 'services/api': 'tree-1' };
  const svc = keyedBySource(asked, () => files);
  const first = await planService(svc, sources, producer(), options(baseDir));
  assert.deepEqual(first.inputs.source, { 'services/api': 'tree-1' });
  assert.equal(first.inputs.commit, undefined, 'no commit in the key');
  await recordLastBuild(
    baseDir,
    'api',
    {
      commit: COMMIT,
      inputs: first.inputs,
      baseImageRefs: first.baseImageRefs,
      imagesMap: canonicalJson({}),
      buildKey: String(first.key),
    },
    undefined,
  );
  const same = await planService(svc, sources, producer(), options(baseDir));
  assert.deepEqual(asked, [COMMIT], 'the same commit: the source key comes from the record, no git');
  assert.equal(same.key, first.key);
  const other = 'b'.repeat(40) as CommitSha;
  const moved = { main: { ...sources.main, commit: other, exactSource: `x#${other}` }, extra: {} };
  const unrelated = await planService(svc, moved, producer(), options(baseDir));
  assert.deepEqual(asked, [COMMIT, other], 'another commit is read again');
  assert.equal(unrelated.key, first.key, 'a commit that changed none of its files');
  assert.deepEqual(unrelated.changed, []);
  files = { 'services/api': 'tree-2' };
  const changed = await planService(svc, moved, producer(), options(await tempDir()));
  assert.notEqual(changed.key, first.key);
});
