import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OciLayout } from '../../../../src/builder/oci/oci-layout.js';
import { composeManifest } from '../../../../src/builder/oci/image-manifest.js';
import type { BuildKeyInputs } from '../../../../src/builder/plan/build-key.js';
import { decideAction, type KeyedService } from '../../../../src/builder/plan/decide-action.js';
import type { LastBuild } from '../../../../src/builder/plan/last-build.js';
import { producerFor } from '../../../../src/builder/producers/producer-for.js';
import { OnceByKey } from '../../../../src/core/once-by-key.js';
import type { PlanAction } from '../../../../src/core/events.js';
import type { Digest, ImageRef } from '../../../../src/inputs/types.js';
import { digestOf, FakeEngine } from '../../../helpers/fake-engine.js';
import { tempDir } from '../../../helpers/temp-dir.js';

/**
 * Every decision of the planner and its reason, as Skaffold's build cache lookup_test.go
 * tables them: each case is the state of the world (registry, engine, the base dir's image
 * layout, the last build) and the expected action. No Docker, no registry: a fake engine, a
 * registry as a map, a real image layout in a temp dir.
 */

const TAG = 'registry.example.com/tc/api:SVC-0123' as ImageRef;
const HUB_TAG = 'api:SVC-0123' as ImageRef;
const inputs: BuildKeyInputs = {
  stepVersion: 'docker-1',
  buildType: 'docker',
  commit: '1'.repeat(40),
  serviceFields: {},
  baseImages: { 'busybox:1': digestOf('busybox') },
  extraCommits: {},
};
const last = (changes: Partial<BuildKeyInputs> = {}): LastBuild => ({
  inputs: { ...inputs, ...changes },
  baseImageRefs: ['busybox:1'],
  imagesMap: '{}',
  buildKey: '0123',
});

interface World {
  push?: boolean;
  noCache?: boolean;
  /** Tags the registry has, with their digests; `fails` makes every HEAD fail. */
  registry?: Record<string, Digest> | 'fails';
  /** Tags the engine holds. */
  engine?: string[];
  engineDown?: string;
  /** Images the base dir's layout holds (for images the tool writes); `loaded` also on the engine. */
  layout?: 'built' | 'built and loaded';
  previous?: LastBuild;
  tag?: ImageRef;
  unknownKey?: string;
}

interface Expected {
  action: PlanAction;
  reason: string | RegExp;
  digest?: 'registry' | 'layout';
  warning?: RegExp;
  changed?: string[];
}

async function decide(kind: 'engine' | 'tool', world: World): Promise<ReturnType<typeof decideAction>> {
  const engine = new FakeEngine();
  for (const t of world.engine ?? []) engine.has(t);
  engine.down = world.engineDown;
  const dir = await tempDir();
  const layout = new OciLayout(join(dir, 'oci'));
  const tag = world.tag ?? TAG;
  if (world.layout !== undefined) {
    const config = await layout.writeJsonBlob({ architecture: 'amd64', os: 'linux' });
    const manifest = await layout.writeJsonBlob(composeManifest(config, []));
    await layout.putImage(tag, manifest, {});
    if (world.layout === 'built and loaded') engine.has(tag, { id: config.digest });
  }
  const registry = world.registry ?? {};
  const head = async (ref: ImageRef): Promise<Digest | undefined> => {
    if (registry === 'fails') throw new Error('registry down');
    return registry[ref];
  };
  const deps = {
    baseDir: dir,
    images: {},
    push: world.push ?? false,
    noCache: world.noCache ?? false,
    signal: new AbortController().signal,
    emit: () => undefined,
    keyEngine: engine,
    imageEngine: engine,
    daemon: engine,
    authFor: async () => undefined,
    head,
    layout,
    engineUnreachable: () => engine.unreachable(),
    platform: 'linux/amd64',
    appBases: {
      baseDir: dir,
      layout,
      engine,
      engineUnreachable: () => engine.unreachable(),
      authFor: async () => undefined,
      platform: { os: 'linux', architecture: 'amd64' },
      signal: new AbortController().signal,
      lookups: new OnceByKey<string, never>(),
    },
    bases: undefined as never,
    probes: undefined as never,
    collectGarbage: async () => undefined,
    secrets: new Map(),
    redact: (text: string) => text,
  };
  const recipe =
    kind === 'engine'
      ? { kind: 'engine' as const, build: async () => undefined }
      : { kind: 'tool' as const, assemble: async () => undefined as never };
  const service: KeyedService = {
    name: 'api',
    inputs,
    tag: world.unknownKey !== undefined ? undefined : tag,
    previous: world.previous,
    ...(world.unknownKey !== undefined ? { unknownKey: world.unknownKey } : {}),
  };
  return await decideAction(service, producerFor(recipe, deps), world.noCache ?? false);
}

const FIRST = 'no image for these inputs (first build in this base dir)';
const REGISTRY_DIGEST = digestOf('in the registry');

const common: Array<[string, World, Expected]> = [
  [
    'a key that cannot be known (dry run)',
    { unknownKey: 'base image x is neither local nor in its registry' },
    { action: 'build', reason: 'base image x is neither local nor in its registry' },
  ],
  [
    '--no-cache, whatever exists',
    { noCache: true, push: true, registry: { [TAG]: REGISTRY_DIGEST } },
    { action: 'build', reason: '--no-cache' },
  ],
  ['--push, nothing anywhere, first build', { push: true }, { action: 'build', reason: FIRST }],
  [
    '--push, nothing anywhere, the commit moved',
    { push: true, previous: last({ commit: '2'.repeat(40) }) },
    { action: 'build', reason: 'inputs changed: commit', changed: ['commit'] },
  ],
  [
    '--push, nothing anywhere, a base image moved',
    { push: true, previous: last({ baseImages: { 'busybox:1': digestOf('old') } }) },
    { action: 'build', reason: 'inputs changed: baseImages.busybox:1', changed: ['baseImages.busybox:1'] },
  ],
  [
    '--push, nothing anywhere, the same inputs as last time',
    { push: true, previous: last() },
    { action: 'build', reason: 'the image for these inputs is gone', changed: [] },
  ],
  [
    '--push, the registry has the tag',
    { push: true, registry: { [TAG]: REGISTRY_DIGEST } },
    { action: 'skip', reason: 'already in the registry', digest: 'registry' },
  ],
];

const cases: Record<'engine' | 'tool', Array<[string, World, Expected]>> = {
  engine: [
    ...common,
    [
      '--push, only the engine has it',
      { push: true, engine: [TAG] },
      { action: 'push', reason: 'built earlier, not yet in the registry' },
    ],
    [
      'no --push, the engine has it',
      { engine: [TAG], registry: { [TAG]: REGISTRY_DIGEST } },
      { action: 'skip', reason: 'already in the local daemon' },
    ],
    [
      'no --push, only the registry has it',
      { registry: { [TAG]: REGISTRY_DIGEST } },
      { action: 'pull', reason: 'in the registry, not in the local daemon' },
    ],
    [
      'no --push, a Docker Hub name is never asked of a registry',
      { tag: HUB_TAG, registry: { [HUB_TAG]: REGISTRY_DIGEST } },
      { action: 'build', reason: FIRST },
    ],
    ['no --push, the registry cannot be asked', { registry: 'fails' }, { action: 'build', reason: FIRST }],
    ['no --push, nothing anywhere', {}, { action: 'build', reason: FIRST }],
  ],
  tool: [
    ...common,
    [
      '--push, only the base dir has it',
      { push: true, layout: 'built' },
      { action: 'push', reason: 'built earlier (in the base dir), not yet in the registry' },
    ],
    [
      '--push, the engine has it but not the base dir',
      { push: true, engine: [TAG] },
      { action: 'build', reason: FIRST },
    ],
    [
      'no --push, in the base dir and loaded',
      { layout: 'built and loaded' },
      { action: 'skip', reason: 'already in the local daemon', digest: 'layout' },
    ],
    [
      'no --push, in the base dir, not in the daemon',
      { layout: 'built' },
      {
        action: 'load',
        reason: 'built earlier (in the base dir), not in the local daemon',
        digest: 'layout',
      },
    ],
    [
      'no --push, in the base dir, no daemon at all',
      { layout: 'built', engineDown: 'cannot reach the Docker daemon' },
      {
        action: 'skip',
        reason: 'built earlier (in the base dir)',
        digest: 'layout',
        warning:
          /not loaded into a Docker daemon \(cannot reach the Docker daemon\); the image .* is in the image layout/,
      },
    ],
    [
      'no --push, only the registry has it',
      { registry: { [TAG]: REGISTRY_DIGEST } },
      { action: 'pull', reason: 'in the registry, not in the base dir' },
    ],
    [
      'no --push, a Docker Hub name is never asked of a registry',
      { tag: HUB_TAG, registry: { [HUB_TAG]: REGISTRY_DIGEST } },
      { action: 'build', reason: FIRST },
    ],
    ['no --push, nothing anywhere', {}, { action: 'build', reason: FIRST }],
  ],
};

for (const kind of ['engine', 'tool'] as const) {
  describe(`the planner's decision for an image ${kind === 'engine' ? 'an engine builds' : 'the tool writes'}`, () => {
    for (const [name, world, expected] of cases[kind]) {
      test(`${name}: ${expected.action}`, async () => {
        const d = await decide(kind, world);
        assert.equal(d.action, expected.action);
        if (typeof expected.reason === 'string') assert.equal(d.reason, expected.reason);
        else assert.match(d.reason, expected.reason);
        if (expected.digest === 'registry') assert.equal(d.digest, REGISTRY_DIGEST);
        else if (expected.digest === 'layout') assert.match(String(d.digest), /^sha256:[0-9a-f]{64}$/);
        else assert.equal(d.digest, undefined);
        if (expected.warning !== undefined) assert.match(String(d.warning), expected.warning);
        else assert.equal(d.warning, undefined);
        if (expected.changed !== undefined) assert.deepEqual(d.changed, expected.changed);
      });
    }
  });
}
